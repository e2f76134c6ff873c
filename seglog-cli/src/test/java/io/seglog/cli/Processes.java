package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the built jar and the launcher script as child processes, for the *IT tests. */
final class Processes {
  private Processes() {}

  /** The shaded jar built by {@code package}; failsafe passes its path. */
  static final Path JAR =
      Path.of(System.getProperty("seglog.jar", "target/seglog.jar")).toAbsolutePath().normalize();

  /** The {@code seglog} launcher at the repository root. */
  static final Path LAUNCHER =
      Path.of(System.getProperty("seglog.launcher", "../seglog")).toAbsolutePath().normalize();

  /** The JDK running the tests: children use the same one. */
  static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));

  static final String JAVA = JAVA_HOME.resolve("bin").resolve("java").toString();

  /** What a child process did. */
  record Result(int exitCode, byte[] stdoutBytes, String stderr) {
    String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    List<String> stdoutLines() {
      return stdout().lines().toList();
    }

    List<String> stderrLines() {
      return stderr.lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout:\n" + stdout() + "--- stderr:\n" + stderr;
    }
  }

  /** The command line that runs the jar with {@code args}. */
  static List<String> jarCommand(String... args) {
    assertThat(JAR).as("run `mvn package` first").isRegularFile();
    List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
    command.addAll(Arrays.asList(args));
    return command;
  }

  /** Runs {@code java -jar seglog.jar args} in {@code cwd} with {@code stdin}. */
  static Result seglog(Path cwd, byte[] stdin, String... args) throws IOException {
    return run(jarCommand(args), cwd, stdin, Map.of());
  }

  /** Runs the jar with an empty stdin. */
  static Result seglog(Path cwd, String... args) throws IOException {
    return seglog(cwd, new byte[0], args);
  }

  /**
   * Runs {@code command} to completion; stdin, stdout and stderr go through files, so no pipe can
   * fill up and block. The wait is bounded only to turn a hang into a failure.
   */
  static Result run(List<String> command, Path cwd, byte[] stdin, Map<String, String> env)
      throws IOException {
    Path io = Files.createTempDirectory("seglog-it-io");
    try {
      Path in = Files.write(io.resolve("stdin"), stdin);
      Path out = io.resolve("stdout");
      Path err = io.resolve("stderr");
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(cwd.toFile())
              .redirectInput(in.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().putAll(env);
      Process process = pb.start();
      try {
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          fail("hung: " + command);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new IOException("interrupted waiting for " + command, e);
      }
      return new Result(
          process.exitValue(),
          Files.readAllBytes(out),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      try (var files = Files.list(io)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(io);
    }
  }

  /** Asserts the contract of a failure: the exit code and one "seglog: " line, no stack trace. */
  static void assertOneLineFailure(Result r, int exitCode) {
    assertThat(r.exitCode()).as("%s", r).isEqualTo(exitCode);
    assertThat(r.stderrLines()).as("%s", r).hasSize(1);
    assertThat(r.stderr()).as("%s", r).startsWith("seglog: ");
    assertThat(r.stderr()).as("%s", r).doesNotContain("\tat ", "Exception in thread");
  }
}
