import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;

/**
 * Rewrites the classes of a jar compiled for Java 5 or older (picocli targets Java 5) as Java 8
 * class files, with stack maps, so the JVM's AOT cache can keep them loaded and linked. Classes
 * older than 50 are verified by the old verifier, which records nothing the cache could reuse:
 * the JVM leaves them out and loads, parses and verifies them again on every start.
 * Only the class file version and the stack maps change; the code is the same instructions.
 *
 * <pre>java src/build/ClassfileUpgrade.java JAR...   (rewrites each jar that needs it, in place)</pre>
 */
public final class ClassfileUpgrade {
    private static final int TARGET = ClassFile.JAVA_8_VERSION;

    public static void main(String[] args) throws IOException {
        for (String a : args) upgrade(Path.of(a));
    }

    static void upgrade(Path jar) throws IOException {
        if (!needsUpgrade(jar)) return;
        ClassHierarchyResolver own = ClassHierarchyResolver.ofResourceParsing(
                new URLClassLoader(new URL[] {jar.toUri().toURL()}, null));
        ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver().orElse(own)));
        ClassTransform newVersion = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen((b, e) -> {
                    if (e instanceof ClassFileVersion v) b.withVersion(Math.max(TARGET, v.majorVersion()), 0);
                    else b.with(e);
                });
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar));
             JarOutputStream out = in.getManifest() == null ? new JarOutputStream(Files.newOutputStream(tmp))
                     : new JarOutputStream(Files.newOutputStream(tmp), in.getManifest())) {
            for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                byte[] bytes = in.readAllBytes();
                if (isOldClass(e, bytes)) bytes = cf.transformClass(cf.parse(bytes), newVersion);
                out.putNextEntry(new JarEntry(e.getName()));
                out.write(bytes);
                out.closeEntry();
            }
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.err.println("ClassfileUpgrade: " + jar.getFileName() + ": classes rewritten as Java 8 class files");
    }

    /** A jar with old classes and no signature (rewriting would break one). */
    private static boolean needsUpgrade(Path jar) throws IOException {
        boolean old = false;
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                String n = e.getName().toUpperCase(java.util.Locale.ROOT);
                if (n.startsWith("META-INF/") && (n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA") || n.endsWith(".EC"))) return false;
                if (!old && isOldClass(e, in.readAllBytes())) old = true;
            }
        }
        return old;
    }

    private static boolean isOldClass(JarEntry e, byte[] b) {
        if (!e.getName().endsWith(".class") || e.getName().endsWith("module-info.class") || b.length < 8) return false;
        int major = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
        return major < 50;
    }
}
