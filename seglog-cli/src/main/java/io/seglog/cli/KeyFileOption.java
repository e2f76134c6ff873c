package io.seglog.cli;

import io.seglog.KeyProvider;
import io.seglog.LogConfig;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --key-file} option of the commands that read payloads of encrypted logs (dump, verify,
 * repair). The file holds one key per line, {@code <key id> <base64 of 32 bytes>}, {@code #}
 * comments and blank lines ignored (see {@link KeyProvider#fromKeyFile}). Not thread-safe: one
 * instance per execution.
 */
final class KeyFileOption {
  @Option(
      names = "--key-file",
      paramLabel = "FILE",
      description =
          "Keys of an encrypted log, one per line: <key id> <base64 of the 32-byte AES-256 key>"
              + " ('#' comments and blank lines ignored). Needed to read, and so to authenticate,"
              + " encrypted payloads; without it only their structure is checked.")
  private Path keyFile;

  /** Whether a key file was given. */
  boolean given() {
    return keyFile != null;
  }

  /** The keys, or null without {@code --key-file}. */
  KeyProvider keys() {
    if (keyFile == null) {
      return null;
    }
    try {
      return KeyProvider.fromKeyFile(keyFile);
    } catch (IOException e) {
      throw new CliFailure("cannot read key file " + keyFile + ": " + e, e);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage(), e);
    }
  }

  /** {@code config} reading with the keys (it encrypts nothing: these commands do not append). */
  LogConfig apply(LogConfig config) {
    KeyProvider keys = keys();
    return keys == null ? config : config.toBuilder().encryption(keys).build();
  }

  /** What to tell a user who has no key for a frame. */
  String hint() {
    return keyFile == null
        ? " (the log is encrypted: pass --key-file)"
        : " (key file " + keyFile + ")";
  }
}
