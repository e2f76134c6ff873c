package io.seglog.cli;

import io.seglog.SeglogException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code seglog} command: entry point of the command-line tool and owner of its process
 * contract.
 *
 * <p>Exit codes: {@value #EXIT_OK} on success, {@value #EXIT_FAILURE} when damage is found or an
 * operation fails, {@value #EXIT_USAGE} on a usage error. Every failure writes exactly one line,
 * starting with {@code seglog: }, on stderr; a stack trace follows only with {@code --verbose}.
 *
 * <p>The streams are injected so the whole tool runs in-process in tests: see {@link
 * #commandLine(InputStream, OutputStream, OutputStream)}. An instance serves one execution and is
 * not thread-safe.
 */
@Command(
    name = "seglog",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Inspect, write and check seglog logs: segmented write-ahead logs.",
      "",
      "Example:",
      "  printf 'a\\nb\\n' | seglog append /tmp/mylog && seglog dump /tmp/mylog",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:damage found, or the operation failed",
      "2:usage error (bad command, option or value)"
    },
    subcommands = {
      AppendCommand.class,
      DumpCommand.class,
      ReadCommand.class,
      StatCommand.class,
      VerifyCommand.class,
      RepairCommand.class,
      TruncateCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SeglogCli implements Callable<Integer> {
  /** Exit code of a successful run. */
  public static final int EXIT_OK = 0;

  /** Exit code when damage is found or an operation fails. */
  public static final int EXIT_FAILURE = 1;

  /** Exit code of a usage error. */
  public static final int EXIT_USAGE = 2;

  private final InputStream stdin;
  private final OutputStream stdout;
  private final PrintWriter stderr;

  @Spec private CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On failure, also print the stack trace.")
  private boolean verbose;

  private SeglogCli(InputStream stdin, OutputStream stdout, PrintWriter stderr) {
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Runs the tool on the process's streams and exits with its exit code. */
  public static void main(String[] args) {
    // Raw, unbuffered descriptors: each command buffers and flushes exactly when its contract
    // says (append flushes once per acknowledged record, read writes raw bytes).
    int code =
        commandLine(System.in, new FileOutputStream(FileDescriptor.out), System.err).execute(args);
    System.exit(code);
  }

  /**
   * A ready-to-execute command line reading {@code stdin} and writing {@code stdout} and {@code
   * stderr}, with the exit-code contract installed. Call {@link CommandLine#execute} once on it.
   * The streams are not closed.
   */
  public static CommandLine commandLine(
      InputStream stdin, OutputStream stdout, OutputStream stderr) {
    Objects.requireNonNull(stdin, "stdin");
    Objects.requireNonNull(stdout, "stdout");
    Objects.requireNonNull(stderr, "stderr");
    PrintWriter err = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8), true);
    SeglogCli root = new SeglogCli(stdin, stdout, err);
    CommandLine cli = new CommandLine(root);
    cli.setOut(new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true));
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(SeglogCli::usageError);
    cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> root.failure(ex, parseResult));
    return cli;
  }

  /** With no command given, that is a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(),
        "missing command: one of append, dump, read, stat, verify, repair, truncate, bench, demo");
  }

  /** Standard input, for commands that read records. */
  InputStream stdin() {
    return stdin;
  }

  /** Standard output, unbuffered: commands wrap it and flush what they write. */
  OutputStream stdout() {
    return stdout;
  }

  /** Standard error, for progress output; flushed by each writer. */
  PrintWriter stderr() {
    return stderr;
  }

  /**
   * Writes the single failure line of a command that ends with {@link #EXIT_FAILURE} without an
   * exception (verify finding damage, demo finding a mismatch).
   */
  void reportFailure(String message) {
    stderr.println("seglog: " + oneLine(message));
    stderr.flush();
  }

  private static int usageError(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println(
        "seglog: "
            + oneLine(ex.getMessage())
            + " (see '"
            + cmd.getCommandSpec().qualifiedName()
            + " --help')");
    err.flush();
    return EXIT_USAGE;
  }

  private int failure(Exception ex, ParseResult parseResult) {
    stderr.println("seglog: " + oneLine(describe(ex)));
    if (verboseRequested(parseResult)) {
      ex.printStackTrace(stderr);
    }
    stderr.flush();
    return EXIT_FAILURE;
  }

  /** The message of a failure, with the exception type only where the message alone is vague. */
  static String describe(Throwable ex) {
    String message = ex.getMessage();
    if (ex instanceof SeglogException || ex instanceof CliFailure) {
      return message != null ? message : ex.getClass().getSimpleName();
    }
    if (ex instanceof UncheckedIOException && ex.getCause() != null) {
      return describe(ex.getCause());
    }
    if (ex instanceof IOException) {
      String what = ex.getClass() == IOException.class ? "" : ex.getClass().getSimpleName() + ": ";
      return "I/O error: " + what + (message != null ? message : "");
    }
    String type = ex.getClass().getSimpleName();
    return message == null ? type : type + ": " + message;
  }

  /** The option is inherited, so it may have been given on the top command or on a subcommand. */
  private boolean verboseRequested(ParseResult parseResult) {
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      if (pr.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return verbose;
  }

  private static String oneLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    return message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
