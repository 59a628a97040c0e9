package dev.cordon.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ElfTest {
    @TempDir
    Path dir;

    /** The JVM running this test: an ELF file every host has, with dynamic symbols. */
    private static Path java() {
        return Path.of(ProcessHandle.current().info().command().orElseThrow());
    }

    @Test
    void readsSegmentsAndDynamicSymbols() throws IOException {
        try (Elf elf = Elf.read(java())) {
            readsSegmentsAndDynamicSymbols(elf);
        }
    }

    private static void readsSegmentsAndDynamicSymbols(Elf elf) throws IOException {
        assertThat(elf.machine()).isIn(Elf.EM_X86_64, Elf.EM_AARCH64);
        assertThat(elf.segments()).isNotEmpty().anyMatch(Elf.Segment::executable);
        assertThat(elf.hasSymbols()).isTrue();
        Elf.Symbol main = elf.symbol("main").orElse(elf.symbol("JLI_Launch").orElse(null));
        if (main != null) {
            assertThat(elf.executable(main.value())).as("a function lives in an executable segment").isTrue();
            long off = elf.fileOffset(main.value()).orElseThrow();
            assertThat(off).isBetween(0L, Files.size(java()));
        }
        assertThat(elf.symbol("no_such_symbol_anywhere")).isEmpty();
    }

    @Test
    void saysWhyAFileIsNotOneItCanRead() throws IOException {
        Path text = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\necho hi\n");
        assertThatThrownBy(() -> Elf.read(text)).isInstanceOf(Elf.NotElfException.class).hasMessage("not an ELF file");
        assertThatThrownBy(() -> Elf.read(Files.write(dir.resolve("empty"), new byte[0]))).hasMessage("not an ELF file");

        byte[] head = Files.readAllBytes(java());
        byte[] elf32 = Arrays.copyOf(head, 4096);
        elf32[4] = 1;
        assertThatThrownBy(() -> Elf.read(Files.write(dir.resolve("elf32"), elf32))).hasMessage("a 32-bit ELF file");

        byte[] damaged = Arrays.copyOf(head, 4096);
        ByteBuffer.wrap(damaged).order(ByteOrder.LITTLE_ENDIAN).putLong(40, 1L << 40); // section headers past the end
        assertThatThrownBy(() -> Elf.read(Files.write(dir.resolve("damaged"), damaged)))
                .isInstanceOf(Elf.NotElfException.class).hasMessageContaining("damaged");
    }

    @Test
    void findsTheSameSymbolsThroughTheHashTableAsByLookingAtEach() throws IOException {
        // bash exports ~2600 symbols: the GNU hash table must find each one a linear look finds, and nothing else
        try (Elf elf = Elf.read(Path.of("/bin/bash"))) {
            for (String name : java.util.List.of("shell_execve", "line_number", "global_variables", "running_trap", "main",
                    "array_rshift", "sccs_version")) {
                assertThat(elf.symbol(name)).as(name).isPresent();
            }
            assertThat(elf.symbol("shell_execv")).isEmpty();
            assertThat(elf.symbol("shell_execvee")).isEmpty();
            assertThat(elf.symbol("printf")).as("undefined here: libc's").isEmpty();
            assertThat(elf.find(".rodata", "@(#)Bash version ".getBytes())).isPositive();
            assertThat(elf.find(".rodata", "no such text in bash".getBytes())).isEqualTo(-1);
        }
    }
}
