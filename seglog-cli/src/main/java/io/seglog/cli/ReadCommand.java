package io.seglog.cli;

import io.seglog.EncryptionKeyException;
import io.seglog.Log;
import io.seglog.LogConfig;
import io.seglog.Record;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code seglog read}: one record's raw payload on stdout, read-only. */
@Command(
    name = "read",
    header = "Write one record's raw payload to stdout.",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    description = {
      "Write the payload of record INDEX of the log in DIR to stdout, byte for byte, with no"
          + " newline added. The log is not modified.",
      "",
      "Example:",
      "  seglog read /var/lib/events 42 > record-42.bin",
      ""
    })
final class ReadCommand implements Callable<Integer> {
  @ParentCommand private SeglogCli root;

  @Parameters(index = "0", paramLabel = "DIR", description = "The log directory.")
  private Path dir;

  @Mixin private KeyFileOption keyFile;

  @Parameters(index = "1", paramLabel = "INDEX", description = "The record's index.")
  private long index;

  @Override
  public Integer call() throws IOException {
    Record record;
    try (Log log = LogDirs.openReadOnly(dir, keyFile.apply(LogConfig.defaults()))) {
      record = log.read(index);
    } catch (EncryptionKeyException e) {
      throw new CliFailure("cannot decrypt: " + e.getMessage() + keyFile.hint(), e);
    }
    OutputStream out = root.stdout();
    out.write(record.payloadBytes());
    out.flush();
    return SeglogCli.EXIT_OK;
  }
}
