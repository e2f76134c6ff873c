package io.seglog.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;

/** The golden damaged logs of src/test/resources/golden-damaged, copied before any use. */
final class GoldenLogs {
  private GoldenLogs() {}

  /** The committed folder of {@code name}; never run a command on it, copy it first. */
  static Path original(String name) {
    try {
      return Path.of(GoldenLogs.class.getResource("/golden-damaged/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new AssertionError("no golden damaged log " + name, e);
    }
  }

  /** A copy of golden log {@code name} in {@code tmp/name}: an absolute path. */
  static Path copy(String name, Path tmp) throws IOException {
    Path to = tmp.resolve(name).toAbsolutePath();
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(original(name))) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
    return to;
  }

  /** Hex SHA-256 of a sealed segment's bytes before its 104-byte trailer: its chain digest. */
  static String segmentDigest(Path segment) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(Arrays.copyOf(bytes, bytes.length - 104)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code text} with every occurrence of {@code dir} written as {@code $DIR}. */
  static String placeholder(String text, Path dir) {
    return text.replace(dir.toString(), "$DIR");
  }
}
