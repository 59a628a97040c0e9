package dev.cordon.sys;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Makes the WrongMethodTypeException trap impossible to ship. {@code invokeExact} is signature
 * polymorphic: each argument is typed by its expression, and a poly expression there (a
 * conditional, a switch, a generic call inferred from the target) is typed {@code Object}, which
 * no downcall handle accepts; the call then fails on every run that reaches it (bpffs not mounted
 * made every {@code cordon run} fail this way). No downcall ever takes or returns Object, so any
 * call site whose type mentions Object is a bug, found here in the compiled classes.
 */
class DowncallCallSitesTest {
    private static final ClassDesc METHOD_HANDLE = ClassDesc.of(MethodHandle.class.getName());

    @Test
    void noInvokeExactCallSiteInCordonTakesOrReturnsObject() throws IOException {
        Path classes = classesDir(Libc.class);
        List<String> sites = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                for (CallSite s : invokeExactSites(Files.readAllBytes(f))) {
                    sites.add(s.toString());
                    if (mentionsObject(s.type())) bad.add(s.toString());
                }
            }
        }
        assertThat(sites).as("the scan must see cordon's downcalls (Libc, libbpf), or it proves nothing").hasSizeGreaterThan(40);
        assertThat(bad).as("invokeExact call sites typed with Object (use a variable or a method that returns the exact type)").isEmpty();
    }

    @Test
    void theScanFindsTheTrapItGuardsAgainst() throws IOException {
        List<CallSite> sites = invokeExactSites(classBytes(Trap.class));
        assertThat(sites).hasSize(2);
        assertThat(sites).filteredOn(s -> mentionsObject(s.type())).singleElement()
                .satisfies(s -> assertThat(s.method()).isEqualTo("conditionalArgument"));
    }

    record CallSite(String owner, String method, MethodTypeDesc type) {
        @Override
        public String toString() {
            return owner + "." + method + " invokeExact" + type.displayDescriptor();
        }
    }

    static List<CallSite> invokeExactSites(byte[] classFile) {
        ClassModel cm = ClassFile.of().parse(classFile);
        List<CallSite> out = new ArrayList<>();
        for (MethodModel m : cm.methods()) {
            m.code().ifPresent(code -> code.forEach(e -> {
                if (e instanceof InvokeInstruction i && i.owner().asSymbol().equals(METHOD_HANDLE)
                        && (i.name().equalsString("invokeExact") || i.name().equalsString("invoke"))) {
                    out.add(new CallSite(cm.thisClass().asInternalName(), m.methodName().stringValue(), i.typeSymbol()));
                }
            }));
        }
        return out;
    }

    static boolean mentionsObject(MethodTypeDesc t) {
        return t.returnType().equals(ConstantDescs.CD_Object) || t.parameterList().contains(ConstantDescs.CD_Object);
    }

    private static Path classesDir(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream("/" + c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** The shape that broke every fresh host, and the one that fixed it. Never called. */
    static final class Trap {
        static int conditionalArgument(MethodHandle h, Arena a, String data) throws Throwable {
            return (int) h.invokeExact(data == null ? MemorySegment.NULL : a.allocateFrom(data));
        }

        static int exactArgument(MethodHandle h, Arena a, String data) throws Throwable {
            MemorySegment d = data == null ? MemorySegment.NULL : a.allocateFrom(data);
            return (int) h.invokeExact(d);
        }
    }
}
