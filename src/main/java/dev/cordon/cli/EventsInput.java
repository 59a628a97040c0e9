package dev.cordon.cli;

import dev.cordon.report.model.RunModel;
import dev.cordon.report.read.EventsFileReader;
import dev.cordon.report.read.EventsFormatException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading an events file and writing a rendering, with one clear line on stderr for each failure. */
final class EventsInput {
    private EventsInput() {}

    /** @return the model, or null after printing why not */
    static RunModel read(Path events, PrintWriter err) {
        try {
            return EventsFileReader.read(events);
        } catch (EventsFormatException e) {
            err.println("cordon: " + e.getMessage());
        } catch (NoSuchFileException e) {
            err.println("cordon: " + events + ": no such file");
        } catch (IOException e) {
            err.println("cordon: cannot read " + events + ": " + e.getMessage());
        }
        err.flush();
        return null;
    }

    static int emit(String text, Path output, PrintWriter out, PrintWriter err) {
        if (output == null) {
            out.print(text);
            out.flush();
            return ExitCodes.OK;
        }
        try {
            Files.writeString(output, text, StandardCharsets.UTF_8);
            return ExitCodes.OK;
        } catch (IOException e) {
            err.println("cordon: cannot write " + output + ": " + e.getMessage());
            err.flush();
            return ExitCodes.CORDON_FAILED;
        }
    }
}
