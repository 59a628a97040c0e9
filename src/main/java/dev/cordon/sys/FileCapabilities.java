package dev.cordon.sys;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A file's capabilities, as the kernel stores them in its {@code security.capability} attribute
 * (struct vfs_cap_data / vfs_ns_cap_data in linux/capability.h, little-endian): a magic word with
 * the revision and the effective flag, then permitted and inheritable words; revision 1 has one
 * word of each, 2 two, 3 two and the root uid of the user namespace that set them.
 *
 * <p>When the effective flag is set, exec fails with EPERM unless the new process gets every
 * permitted capability (bprm_caps_from_vfs_caps: "insufficient to execute correctly"), and the
 * bounding set caps what it can get: a capability cordon drops makes such a file unrunnable.
 *
 * @param revision    1, 2 or 3
 * @param effective   VFS_CAP_FLAGS_EFFECTIVE: the capabilities are raised at exec, and all must be granted
 * @param permitted   bit N set for capability N
 * @param inheritable bit N set for capability N
 * @param rootUid     revision 3: the root uid of the user namespace they belong to; 0 otherwise
 */
public record FileCapabilities(int revision, boolean effective, long permitted, long inheritable, int rootUid) {
    public static final String XATTR = "security.capability";

    private static final int REVISION_MASK = 0xff000000, FLAGS_EFFECTIVE = 0x000001;
    private static final int REVISION_1 = 0x01000000, REVISION_2 = 0x02000000, REVISION_3 = 0x03000000;
    private static final int SIZE_1 = 12, SIZE_2 = 20, SIZE_3 = 24;

    /** The capabilities in {@code value}, or empty when it is not one the kernel would accept (revision, size). */
    public static Optional<FileCapabilities> parse(byte[] value) {
        if (value.length < 4) return Optional.empty();
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        int revision = magic & REVISION_MASK;
        int expected = switch (revision) {
            case REVISION_1 -> SIZE_1;
            case REVISION_2 -> SIZE_2;
            case REVISION_3 -> SIZE_3;
            default -> -1;
        };
        if (value.length != expected) return Optional.empty();
        long permitted = Integer.toUnsignedLong(b.getInt());
        long inheritable = Integer.toUnsignedLong(b.getInt());
        if (revision != REVISION_1) {
            permitted |= Integer.toUnsignedLong(b.getInt()) << 32;
            inheritable |= Integer.toUnsignedLong(b.getInt()) << 32;
        }
        int rootUid = revision == REVISION_3 ? b.getInt() : 0;
        return Optional.of(new FileCapabilities(revision >>> 24, (magic & FLAGS_EFFECTIVE) != 0, permitted, inheritable, rootUid));
    }

    /**
     * The capabilities of the file at {@code path} (symlinks followed); empty when it has none.
     *
     * @throws Libc.ErrnoException when the attribute cannot be read (no such file, ...)
     */
    public static Optional<FileCapabilities> of(String path) throws Libc.ErrnoException {
        return Libc.getxattr(path, XATTR).flatMap(FileCapabilities::parse);
    }

    public Set<Capability> permittedSet() {
        return Capability.fromMask(permitted);
    }

    /**
     * Whether exec needs every permitted capability, as the kernel judges it for a process of the
     * initial user namespace: the effective flag, and a revision-3 attribute only if it is root's.
     */
    public boolean requiredAtExec() {
        return effective && rootUid == 0;
    }

    /** Of {@code dropped}, those this file needs at exec and so cannot start without. */
    public Set<Capability> missingAtExec(Set<Capability> dropped) {
        EnumSet<Capability> missing = EnumSet.noneOf(Capability.class);
        if (!requiredAtExec()) return missing;
        for (Capability c : dropped) if ((permitted & c.bit()) != 0) missing.add(c);
        return missing;
    }
}
