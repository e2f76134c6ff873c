package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Builds logs through the CLI and damages them the way disks do. */
final class TestLogs {
  private TestLogs() {}

  /** Where a byte was flipped. */
  record Damage(Path file, long offset) {}

  /** Appends {@code count} lines "line-1".. through {@code seglog append} and checks the acks. */
  static void appendLines(Path dir, int count, String... extraArgs) {
    String input =
        IntStream.rangeClosed(1, count)
            .mapToObj(i -> "line-" + i + "\n")
            .collect(Collectors.joining());
    String[] args =
        Stream.concat(Stream.of("append", dir.toString()), Stream.of(extraArgs))
            .toArray(String[]::new);
    CliRun.Result r = CliRun.runWithInput(input, args);
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stdoutLines()).hasSize(count);
  }

  /**
   * A log with several sealed segments: 300 records of ~200 bytes in 4 KiB segments, fsynced as a
   * whole at close.
   */
  static void logWithSealedSegments(Path dir) {
    String input =
        IntStream.rangeClosed(1, 300)
            .mapToObj(i -> String.format("%05d-", i) + "z".repeat(194) + "\n")
            .collect(Collectors.joining());
    CliRun.Result r =
        CliRun.runWithInput(
            input, "append", dir.toString(), "--segment-bytes", "4096", "--sync", "none");
    assertThat(r.exitCode()).as("%s", r).isZero();
  }

  /** The segment files, in index order. */
  static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().matches("\\d{20}\\.seg"))
          .sorted()
          .toList();
    }
  }

  /** Flips one bit in the middle of the first (sealed) segment. */
  static Damage flipBitInSealedSegment(Path dir) throws IOException {
    List<Path> segments = segments(dir);
    assertThat(segments).as("sealed segments needed").hasSizeGreaterThan(2);
    Path sealed = segments.get(0);
    try (RandomAccessFile raf = new RandomAccessFile(sealed.toFile(), "rw")) {
      long offset = raf.length() / 2;
      raf.seek(offset);
      int b = raf.read();
      raf.seek(offset);
      raf.write(b ^ 0x10);
      return new Damage(sealed, offset);
    }
  }

  /** Name and SHA-256 of every file in the directory: equal snapshots mean nothing changed. */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        files.put(p.getFileName().toString(), sha256(Files.readAllBytes(p)));
      }
    }
    return files;
  }

  /**
   * {@link #snapshot} without reading {@code seglog.lock} (its name is kept): reading it from the
   * process that holds the log would close a descriptor of the file, and closing any descriptor of
   * a file drops the process's POSIX (fcntl) locks on it, releasing the log's lock.
   */
  static Map<String, String> snapshotOfHeldLog(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.toList()) {
        String name = p.getFileName().toString();
        files.put(name, name.equals("seglog.lock") ? "" : sha256(Files.readAllBytes(p)));
      }
    }
    return files;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
