package dev.cordon.sys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What cordon needs to know of a 64-bit little-endian ELF file (x86-64, AArch64): its loadable
 * segments, its sections and its symbols (the dynamic symbol table, through its GNU hash table as
 * the dynamic linker does, then the full one when the file was not stripped). Read with positioned
 * reads of only the tables asked for, each once: a large binary costs little, and nothing is parsed
 * that a lookup does not need (cordon's start-up pays for it). Close it to close the file. Knows
 * nothing of what the file is.
 */
public final class Elf implements AutoCloseable {
    public static final int EM_X86_64 = 62, EM_AARCH64 = 183;
    public static final int STT_OBJECT = 1, STT_FUNC = 2;
    private static final int PT_LOAD = 1, PF_X = 1;
    private static final int SHT_SYMTAB = 2, SHT_DYNSYM = 11, SHT_GNU_HASH = 0x6ffffff6;
    private static final int SYM_SIZE = 24;
    /** A table or string larger than this is not read: no shell's is near it, and a corrupt header must not cost memory. */
    private static final long MAX_READ = 64L << 20;

    /** A PT_LOAD program header. */
    public record Segment(long offset, long vaddr, long fileSize, boolean executable) {}

    private record Section(String name, int type, long offset, long size, int link) {}

    /** A defined symbol: its link-time address ({@code st_value}), size and type (STT_*). */
    public record Symbol(String name, long value, long size, int type) {}

    /** Thrown for a file that is not an ELF file cordon can read; the message says why. */
    public static final class NotElfException extends IOException {
        public NotElfException(String message) {
            super(message);
        }
    }

    private final Path path;
    private final FileChannel ch;
    private final int machine;
    private final List<Segment> segments;
    private final List<Section> sections;
    /** Sections read so far, by index. */
    private final Map<Integer, ByteBuffer> read = new HashMap<>();

    private Elf(Path path, FileChannel ch) throws IOException {
        this.path = path;
        this.ch = ch;
        if (ch.size() < 4 || bytes(0, 4).getInt(0) != 0x464c457f) throw new NotElfException("not an ELF file");
        if (ch.size() < 64) throw new NotElfException("a truncated ELF file");
        ByteBuffer h = bytes(0, 64);
        if (h.get(4) != 2) throw new NotElfException("a 32-bit ELF file");
        if (h.get(5) != 1) throw new NotElfException("a big-endian ELF file");
        this.machine = Short.toUnsignedInt(h.getShort(18));
        this.segments = segments(h.getLong(32), Short.toUnsignedInt(h.getShort(54)), Short.toUnsignedInt(h.getShort(56)));
        this.sections = sections(h.getLong(40), Short.toUnsignedInt(h.getShort(58)), Short.toUnsignedInt(h.getShort(60)),
                Short.toUnsignedInt(h.getShort(62)));
    }

    /** Opens the file and reads its headers; close the result to close the file. */
    public static Elf read(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new Elf(path, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private List<Segment> segments(long phoff, int entsize, int n) throws IOException {
        if (n == 0 || entsize < 56) return List.of();
        ByteBuffer b = bytes(phoff, (long) entsize * n);
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int at = i * entsize;
            if (b.getInt(at) != PT_LOAD) continue;
            out.add(new Segment(b.getLong(at + 8), b.getLong(at + 16), b.getLong(at + 32), (b.getInt(at + 4) & PF_X) != 0));
        }
        return List.copyOf(out);
    }

    private List<Section> sections(long shoff, int entsize, int n, int shstrndx) throws IOException {
        if (n == 0 || entsize < 64 || shstrndx >= n) return List.of();
        ByteBuffer b = bytes(shoff, (long) entsize * n);
        int strAt = shstrndx * entsize;
        ByteBuffer names = bytes(b.getLong(strAt + 24), b.getLong(strAt + 32));
        List<Section> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int at = i * entsize;
            out.add(new Section(cString(names, b.getInt(at)), b.getInt(at + 4), b.getLong(at + 24), b.getLong(at + 32), b.getInt(at + 40)));
        }
        return List.copyOf(out);
    }

    /** {@code size} bytes at a file offset; a range outside the file is a damaged file. */
    private ByteBuffer bytes(long offset, long size) throws IOException {
        if (offset < 0 || size < 0 || size > MAX_READ || offset + size > ch.size()) {
            throw new NotElfException("a damaged ELF file (a table lies outside the file)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, offset + b.position()) < 0) throw new NotElfException("a truncated ELF file");
        }
        return b.flip();
    }

    /** A section's contents, read once. */
    private ByteBuffer contents(Section s) throws IOException {
        int index = sections.indexOf(s);
        ByteBuffer b = read.get(index);
        if (b == null) {
            b = s.type() == 8 /* SHT_NOBITS */ ? ByteBuffer.allocate(0) : bytes(s.offset(), s.size());
            read.put(index, b);
        }
        return b;
    }

    public Path path() {
        return path;
    }

    /** e_machine: {@link #EM_X86_64}, {@link #EM_AARCH64}, ... */
    public int machine() {
        return machine;
    }

    public List<Segment> segments() {
        return segments;
    }

    /** Whether the file still has section headers (a binary with none has no symbols to find). */
    public boolean hasSections() {
        return !sections.isEmpty();
    }

    /** Whether it has a dynamic symbol table or a full one. */
    public boolean hasSymbols() {
        return sections.stream().anyMatch(s -> s.type() == SHT_DYNSYM || s.type() == SHT_SYMTAB);
    }

    /** A defined symbol of that name: from .dynsym (by its GNU hash table when it has one), else from .symtab. */
    public Optional<Symbol> symbol(String name) throws IOException {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int t = 0; t < sections.size(); t++) {
            Section table = sections.get(t);
            if (table.type() != SHT_DYNSYM && table.type() != SHT_SYMTAB) continue;
            if (table.link() <= 0 || table.link() >= sections.size()) continue;
            ByteBuffer syms = contents(table), strings = contents(sections.get(table.link()));
            Section hash = null;
            if (table.type() == SHT_DYNSYM) for (Section h : sections) if (h.type() == SHT_GNU_HASH && h.link() == t) hash = h;
            long index = hash != null ? gnuHashLookup(contents(hash), syms, strings, wanted) : scan(syms, strings, wanted);
            if (index >= 0) {
                int at = (int) index * SYM_SIZE;
                return Optional.of(new Symbol(name, syms.getLong(at + 8), syms.getLong(at + 16), syms.get(at + 4) & 0xf));
            }
        }
        return Optional.empty();
    }

    /** The index of a defined symbol named {@code wanted}, every entry looked at; -1 if none. */
    private static long scan(ByteBuffer syms, ByteBuffer strings, byte[] wanted) {
        for (int i = 0; (i + 1) * SYM_SIZE <= syms.limit(); i++) if (named(syms, strings, i, wanted)) return i;
        return -1;
    }

    /**
     * The index of a defined symbol named {@code wanted}, found through the GNU hash table (the one
     * ld.so uses: nbuckets, symoffset, bloom size and shift, the bloom words, the buckets, then one
     * hash per symbol from symoffset, whose low bit ends a chain); -1 if none.
     */
    private static long gnuHashLookup(ByteBuffer hash, ByteBuffer syms, ByteBuffer strings, byte[] wanted) {
        if (hash.limit() < 16) return scan(syms, strings, wanted);
        int nbuckets = hash.getInt(0), symoffset = hash.getInt(4), bloomWords = hash.getInt(8);
        long buckets = 16 + 8L * bloomWords, chains = buckets + 4L * nbuckets;
        if (nbuckets <= 0 || bloomWords < 0 || symoffset < 0 || chains > hash.limit()) return scan(syms, strings, wanted);
        int h = 5381;
        for (byte c : wanted) h = h * 33 + (c & 0xff);
        int index = hash.getInt((int) (buckets + 4L * Integer.remainderUnsigned(h, nbuckets)));
        if (index < symoffset || index == 0) return -1;
        for (; (index + 1L) * SYM_SIZE <= syms.limit(); index++) {
            long c = chains + 4L * (index - symoffset);
            if (c + 4 > hash.limit()) return -1;
            int ch = hash.getInt((int) c);
            if ((ch | 1) == (h | 1) && named(syms, strings, index, wanted)) return index;
            if ((ch & 1) != 0) return -1;
        }
        return -1;
    }

    /** Whether symbol {@code index} is defined and named {@code wanted}, compared byte for byte. */
    private static boolean named(ByteBuffer syms, ByteBuffer strings, int index, byte[] wanted) {
        int at = index * SYM_SIZE;
        if (at + SYM_SIZE > syms.limit() || syms.getShort(at + 6) == 0) return false; // outside the table, or undefined
        long name = Integer.toUnsignedLong(syms.getInt(at));
        if (name + wanted.length >= strings.limit()) return false;
        for (int i = 0; i < wanted.length; i++) if (strings.get((int) name + i) != wanted[i]) return false;
        return strings.get((int) name + wanted.length) == 0;
    }

    /** The file offset where the byte at a link-time address lives, if a loadable segment holds it. */
    public Optional<Long> fileOffset(long vaddr) {
        for (Segment s : segments) {
            if (vaddr >= s.vaddr() && vaddr < s.vaddr() + s.fileSize()) return Optional.of(vaddr - s.vaddr() + s.offset());
        }
        return Optional.empty();
    }

    /** Whether a loadable, executable segment holds that address. */
    public boolean executable(long vaddr) {
        return segments.stream().anyMatch(s -> s.executable() && vaddr >= s.vaddr() && vaddr < s.vaddr() + s.fileSize());
    }

    /** The 8 bytes at a link-time address, if the file holds them (a pointer's link-time value, for one). */
    public Optional<Long> u64At(long vaddr) throws IOException {
        Optional<Long> off = fileOffset(vaddr);
        return off.isEmpty() || off.get() + 8 > ch.size() ? Optional.empty() : Optional.of(bytes(off.get(), 8).getLong(0));
    }

    /** The NUL-terminated string at a link-time address (at most {@code max} bytes), if the file holds it. */
    public Optional<String> stringAt(long vaddr, int max) throws IOException {
        Optional<Long> off = fileOffset(vaddr);
        return off.isEmpty() ? Optional.empty() : Optional.of(stringAtOffset(off.get(), max));
    }

    /** The NUL-terminated string at a file offset (at most {@code max} bytes). */
    public String stringAtOffset(long offset, int max) throws IOException {
        return cString(bytes(offset, Math.max(0, Math.min(max, ch.size() - offset))), 0);
    }

    /** The file offset where {@code needle} first occurs in the named section, or -1. */
    public long find(String sectionName, byte[] needle) throws IOException {
        for (Section s : sections) {
            if (!s.name().equals(sectionName) || s.type() == 8) continue;
            ByteBuffer b = contents(s);
            outer:
            for (int i = 0; i + needle.length <= b.limit(); i++) {
                if (b.get(i) != needle[0]) continue;
                for (int j = 1; j < needle.length; j++) if (b.get(i + j) != needle[j]) continue outer;
                return s.offset() + i;
            }
        }
        return -1;
    }

    private static String cString(ByteBuffer b, int offset) {
        if (offset < 0 || offset >= b.limit()) return "";
        int end = offset;
        while (end < b.limit() && b.get(end) != 0) end++;
        byte[] bytes = new byte[end - offset];
        b.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
