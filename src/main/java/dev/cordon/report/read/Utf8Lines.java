package dev.cordon.report.read;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lines of a byte stream, each decoded strictly as UTF-8 on its own, so invalid bytes are reported
 * with their line number (a Reader decodes ahead, in blocks, and loses it).
 */
final class Utf8Lines {
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buf = new byte[1 << 16];
    private int pos, limit, number;
    private byte[] line = new byte[1024];

    Utf8Lines(InputStream in) {
        this.in = in;
    }

    /** 1-based number of the line last returned (or being decoded). */
    int number() {
        return number;
    }

    /** The next line without "\n" or "\r\n", or null at the end. */
    String next() throws IOException, CharacterCodingException {
        int len = 0;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) return null;
                    break;
                }
            }
            any = true;
            int start = pos;
            while (pos < limit && buf[pos] != '\n') pos++;
            int chunk = pos - start;
            if (len + chunk > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, len + chunk));
            System.arraycopy(buf, start, line, len, chunk);
            len += chunk;
            if (pos < limit) {
                pos++; // the '\n'
                break;
            }
        }
        number++;
        if (len > 0 && line[len - 1] == '\r') len--;
        return decoder.decode(ByteBuffer.wrap(line, 0, len)).toString();
    }
}
