package dev.cordon.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A user from the system's account database (getpwnam_r/getpwuid_r, so NSS sources such as LDAP
 * count, not only /etc/passwd).
 */
public record UserAccount(String name, int uid, int gid, String home, String shell) {
    private static final Linker LINKER = Linker.nativeLinker();
    // struct passwd (glibc, LP64): name, passwd, uid, gid, gecos, dir, shell
    private static final StructLayout PASSWD = MemoryLayout.structLayout(
            ADDRESS.withName("pw_name"), ADDRESS.withName("pw_passwd"),
            JAVA_INT.withName("pw_uid"), JAVA_INT.withName("pw_gid"),
            ADDRESS.withName("pw_gecos"), ADDRESS.withName("pw_dir"), ADDRESS.withName("pw_shell"));
    private static final FunctionDescriptor LOOKUP = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    private static final FunctionDescriptor LOOKUP_ID = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    private static final MethodHandle GETPWNAM_R = LINKER.downcallHandle(LINKER.defaultLookup().find("getpwnam_r").orElseThrow(), LOOKUP);
    private static final MethodHandle GETPWUID_R = LINKER.downcallHandle(LINKER.defaultLookup().find("getpwuid_r").orElseThrow(), LOOKUP_ID);
    private static final int ERANGE = 34;

    /** A user by name, or by number when {@code user} is all digits. Empty if there is no such user. */
    public static Optional<UserAccount> lookup(String user) {
        if (user.isEmpty()) return Optional.empty();
        boolean numeric = user.chars().allMatch(ch -> ch >= '0' && ch <= '9');
        for (long bufSize = 1024; bufSize <= 1 << 20; bufSize *= 4) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment pwd = a.allocate(PASSWD);
                MemorySegment buf = a.allocate(bufSize);
                MemorySegment result = a.allocate(ADDRESS);
                int rc = numeric
                        ? (int) GETPWUID_R.invokeExact((int) Long.parseLong(user), pwd, buf, bufSize, result)
                        : (int) GETPWNAM_R.invokeExact(a.allocateFrom(user), pwd, buf, bufSize, result);
                if (rc == ERANGE) continue;
                if (rc != 0 || result.get(ADDRESS, 0).equals(MemorySegment.NULL)) return Optional.empty();
                return Optional.of(new UserAccount(string(pwd, "pw_name"), pwd.get(JAVA_INT, offset("pw_uid")),
                        pwd.get(JAVA_INT, offset("pw_gid")), string(pwd, "pw_dir"), string(pwd, "pw_shell")));
            } catch (NumberFormatException e) {
                return Optional.empty(); // a uid beyond 2^63: no such user
            } catch (Throwable t) {
                throw new IllegalStateException("looking up user " + user + ": " + t, t);
            }
        }
        return Optional.empty();
    }

    private static long offset(String field) {
        return PASSWD.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static String string(MemorySegment pwd, String field) {
        MemorySegment p = pwd.get(ADDRESS, offset(field));
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Integer.MAX_VALUE).getString(0);
    }
}
