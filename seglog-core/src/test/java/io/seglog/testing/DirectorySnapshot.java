package io.seglog.testing;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The names and bytes of every regular file in a directory, to prove that nothing changed. */
public final class DirectorySnapshot {
  private final Map<String, byte[]> files;

  private DirectorySnapshot(Map<String, byte[]> files) {
    this.files = files;
  }

  public static DirectorySnapshot of(Path dir) {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.filter(Files::isRegularFile).toList()) {
        files.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new DirectorySnapshot(files);
  }

  /** The files of {@code dir} as {@code io} sees them (an in-memory one, say). */
  public static DirectorySnapshot of(FileIO io, Path dir) {
    Map<String, byte[]> files = new TreeMap<>();
    try {
      for (Path p : io.list(dir)) {
        files.put(p.getFileName().toString(), readAll(io, p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new DirectorySnapshot(files);
  }

  /** The whole content of {@code file}, read through {@code io}. */
  public static byte[] readAll(FileIO io, Path file) throws IOException {
    try (FileHandle h = io.open(file, FileIO.Mode.READ)) {
      ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(h.size()));
      h.readFully(b, 0);
      return b.array();
    }
  }

  public List<String> names() {
    return List.copyOf(files.keySet());
  }

  public byte[] bytes(String name) {
    return files.get(name);
  }

  /** The differences from {@code other}, one line per file; empty when the same. */
  public List<String> differences(DirectorySnapshot other) {
    TreeMap<String, String> diffs = new TreeMap<>();
    for (var e : files.entrySet()) {
      byte[] o = other.files.get(e.getKey());
      if (o == null) {
        diffs.put(e.getKey(), e.getKey() + " is gone");
      } else if (!Arrays.equals(o, e.getValue())) {
        diffs.put(
            e.getKey(),
            e.getKey()
                + " changed ("
                + e.getValue().length
                + " -> "
                + o.length
                + " bytes, first difference at "
                + Arrays.mismatch(e.getValue(), o)
                + ")");
      }
    }
    for (String name : other.files.keySet()) {
      if (!files.containsKey(name)) {
        diffs.put(name, name + " appeared");
      }
    }
    return List.copyOf(diffs.values());
  }

  /** Copies every regular file of {@code from} into the (existing) directory {@code to}. */
  public static void copyFiles(Path from, Path to) {
    try (Stream<Path> list = Files.list(from)) {
      for (Path p : list.filter(Files::isRegularFile).toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
