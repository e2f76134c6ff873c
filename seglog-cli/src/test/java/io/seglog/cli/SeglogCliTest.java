package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seglog.CorruptLogException;
import io.seglog.LogLockedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The process contract shared by every command: help, version, usage errors, failure lines. */
class SeglogCliTest {
  @TempDir Path tmp;

  @Test
  void versionPrintsTheProjectVersion() {
    CliRun.Result r = CliRun.run("--version");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines().get(0)).matches("seglog \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"append", "dump", "read", "stat", "verify", "repair", "truncate", "bench", "demo"})
  void everyCommandHasHelpWithAnExample(String command) {
    CliRun.Result r = CliRun.run(command, "--help");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).contains("Usage: seglog " + command).containsPattern("Examples?:\n");
    assertThat(r.stdout()).contains("  seglog " + command + " ");
    assertThat(r.stderr()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"append", "dump", "read", "stat", "verify", "repair", "truncate", "bench", "demo"})
  void everyCommandPrintsTheVersion(String command) {
    CliRun.Result r = CliRun.run(command, "--version");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdout()).isEqualTo(CliRun.run("--version").stdout()).startsWith("seglog ");
  }

  @Test
  void topLevelHelpListsCommandsAndExitCodes() {
    CliRun.Result r = CliRun.run("--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout())
        .contains(
            "append",
            "dump",
            "read",
            "stat",
            "verify",
            "repair",
            "truncate",
            "bench",
            "demo",
            "Exit codes:",
            "Example:");
  }

  @Test
  void helpSubcommandShowsACommandsHelp() {
    CliRun.Result r = CliRun.run("help", "dump");
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).contains("Usage: seglog dump");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "bogus",
        "append",
        "append DIR --sync sometimes",
        "append DIR --type 65536",
        "append DIR --type -1",
        "append DIR --segment-bytes 100",
        "append DIR --no-such-option",
        "dump",
        "dump DIR --from x",
        "dump DIR --from 5 --to 4",
        "read DIR",
        "read DIR notanumber",
        "read DIR 1 2",
        "stat",
        "verify",
        "demo DIR --records 0",
        "demo DIR --segment-bytes 1"
      })
  void usageErrorsExitTwoWithOneLineNamingTheHelp(String args) {
    String[] argv =
        args.isEmpty()
            ? new String[0]
            : args.replace("DIR", tmp.resolve("log").toString()).split(" ");
    CliRun.Result r = CliRun.run(argv);
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.stderrLines()).as("%s", r).hasSize(1);
    assertThat(r.stderr()).startsWith("seglog: ").contains("--help");
    assertThat(r.stdout()).isEmpty();
    // A usage error is caught before anything touches the disk.
    assertThat(tmp.resolve("log")).doesNotExist();
  }

  @Test
  void verboseIsAcceptedBeforeOrAfterTheCommand() {
    Path missing = tmp.resolve("missing");
    for (String[] argv :
        new String[][] {
          {"--verbose", "stat", missing.toString()}, {"stat", missing.toString(), "--verbose"}
        }) {
      CliRun.Result r = CliRun.run(argv);
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.stderrLines().get(0))
          .isEqualTo("seglog: log directory " + missing + " does not exist");
      assertThat(r.stderr()).as("stack trace with --verbose").contains("\tat io.seglog.cli.");
    }
  }

  @Test
  void failureWithoutVerboseIsOneLineAndNoStackTrace() {
    Path missing = tmp.resolve("missing");
    CliRun.Result r = CliRun.run("stat", missing.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderrLines())
        .containsExactly("seglog: log directory " + missing + " does not exist");
  }

  @Test
  void describesSeglogExceptionsByTheirMessage() {
    assertThat(SeglogCli.describe(new LogLockedException("log /x is locked by another process")))
        .isEqualTo("log /x is locked by another process");
    assertThat(
            SeglogCli.describe(
                new CorruptLogException(Path.of("/x/1.seg"), 4096, "frame checksum mismatch")))
        .isEqualTo("frame checksum mismatch in /x/1.seg at byte offset 4096");
    assertThat(SeglogCli.describe(new UncheckedIOException(new IOException("No space left"))))
        .isEqualTo("I/O error: No space left");
    assertThat(SeglogCli.describe(new java.nio.file.NoSuchFileException("/x/y")))
        .isEqualTo("I/O error: NoSuchFileException: /x/y");
    assertThat(SeglogCli.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
  }
}
