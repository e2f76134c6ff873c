package io.seglog.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Runs the tool in-process, through picocli, with captured streams. */
final class CliRun {
  private CliRun() {}

  /** What one execution did. */
  record Result(int exitCode, byte[] stdoutBytes, String stderr) {
    String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    List<String> stdoutLines() {
      return lines(stdout());
    }

    List<String> stderrLines() {
      return lines(stderr);
    }

    private static List<String> lines(String s) {
      return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n", -1)).subList(0, count(s));
    }

    private static int count(String s) {
      String[] parts = s.split("\n", -1);
      // A trailing newline ends the last line; it does not start another.
      return parts[parts.length - 1].isEmpty() ? parts.length - 1 : parts.length;
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout:\n" + stdout() + "--- stderr:\n" + stderr;
    }
  }

  static Result run(String... args) {
    return runWithInput(new byte[0], args);
  }

  static Result runWithInput(String stdin, String... args) {
    return runWithInput(stdin.getBytes(StandardCharsets.UTF_8), args);
  }

  static Result runWithInput(byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SeglogCli.commandLine(new ByteArrayInputStream(stdin), out, err).execute(args);
    return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }
}
