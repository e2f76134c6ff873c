package io.seglog.reliability;

import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A gentler power loss than seglog-core's durability model alone, which drops every unsynced write:
 * this {@link FileIO} wrapper remembers the writes made since each file's last fsync, in order, and
 * after {@code FaultInjectingFileIO.powerLoss()} {@link #replayPrefix} puts back a random prefix of
 * them, the last one torn (cut short, its tail zero-filled, or garbage), into the files whose names
 * survived. That is what a disk that wrote some of the page cache in order before the power went
 * leaves behind. Thread-safe.
 */
final class UnsyncedWrites implements FileIO {
  /**
   * A file as the engine's handles see it: its name follows renames (a segment is written under its
   * final name after the rename of its {@code .seg.tmp}) and is null once it is deleted or replaced
   * by a rename onto its name.
   */
  private static final class Node {
    Path path; // @GuardedBy("UnsyncedWrites.this")

    Node(Path path) {
      this.path = path;
    }
  }

  private record Write(Node node, Path file, long position, byte[] bytes) {}

  private final List<Node> nodes = new ArrayList<>(); // @GuardedBy("this")

  private final FileIO delegate;
  private final List<Write> pending = new ArrayList<>(); // @GuardedBy("this")
  private int putBack; // @GuardedBy("this")
  private int survivingNames; // @GuardedBy("this")
  private int holes; // @GuardedBy("this")

  UnsyncedWrites(FileIO delegate) {
    this.delegate = delegate;
  }

  /**
   * Writes back a random prefix of the unsynced writes, the last one torn; returns a description.
   */
  synchronized String replayPrefix(SplittableRandom rnd) throws IOException {
    if (pending.isEmpty()) {
      return "no unsynced writes";
    }
    int keep = rnd.nextInt(0, pending.size() + 1);
    String torn = "";
    for (int i = 0; i < keep && i < pending.size(); i++) {
      Write w = pending.get(i);
      byte[] bytes = w.bytes;
      if (i == keep - 1) {
        int cut = rnd.nextInt(0, bytes.length + 1);
        bytes = Arrays.copyOf(bytes, bytes.length);
        switch (rnd.nextInt(3)) {
          case 0 -> {
            bytes = Arrays.copyOf(bytes, cut);
            torn = ", last cut to " + cut + " bytes";
          }
          case 1 -> {
            Arrays.fill(bytes, cut, bytes.length, (byte) 0);
            torn = ", last zero-filled from byte " + cut;
          }
          default -> {
            byte[] junk = new byte[bytes.length - cut];
            rnd.nextBytes(junk);
            System.arraycopy(junk, 0, bytes, cut, junk.length);
            torn = ", last garbage from byte " + cut;
          }
        }
      }
      Path file = w.node.path;
      if (file != null && Files.exists(file)) {
        putBack++;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap(bytes);
          long pos = w.position;
          while (b.hasRemaining()) {
            pos += ch.write(b, pos);
          }
        }
      }
    }
    return keep + " of " + pending.size() + " unsynced writes kept" + torn;
  }

  /**
   * Writes back, for each file, a random subset of its unsynced writes in a random order (a disk
   * that reorders its write cache), one of them possibly torn (cut short, zero-filled or garbage
   * from a random byte); writes to files whose names did not survive are dropped. Returns a
   * description of what was kept, in the order it was applied.
   */
  synchronized String replaySubset(SplittableRandom rnd) throws IOException {
    if (pending.isEmpty()) {
      return "no unsynced writes";
    }
    java.util.Map<Node, List<Integer>> byFile = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pending.size(); i++) {
      byFile.computeIfAbsent(pending.get(i).node, f -> new ArrayList<>()).add(i);
    }
    StringBuilder sb = new StringBuilder();
    int kept = 0;
    for (Map.Entry<Node, List<Integer>> e : byFile.entrySet()) {
      Path file = e.getKey().path;
      List<Integer> chosen = new ArrayList<>();
      // keep each write with a per-file probability, so all, none and anything between occur
      double p = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 0.0 : 1.0) : rnd.nextDouble();
      for (int i : e.getValue()) {
        if (rnd.nextDouble() < p) {
          chosen.add(i);
        }
      }
      for (int i = chosen.size() - 1; i > 0; i--) { // Fisher-Yates
        int j = rnd.nextInt(i + 1);
        Integer t = chosen.get(i);
        chosen.set(i, chosen.get(j));
        chosen.set(j, t);
      }
      boolean exists = file != null && Files.exists(file);
      if (exists) {
        survivingNames += e.getValue().size();
        int maxKept = chosen.stream().mapToInt(Integer::intValue).max().orElse(-1);
        if (e.getValue().stream().anyMatch(i -> i < maxKept && !chosen.contains(i))) {
          holes++; // a later write kept, an earlier one of the same file lost
        }
      }
      int tornAt = chosen.isEmpty() || rnd.nextBoolean() ? -1 : rnd.nextInt(chosen.size());
      sb.append(
              file == null
                  ? pending.get(e.getValue().get(0)).file.getFileName()
                  : file.getFileName())
          .append(exists ? "" : " (name lost)")
          .append(": kept ")
          .append(chosen.size())
          .append(" of ")
          .append(e.getValue().size())
          .append(" [");
      for (int k = 0; k < chosen.size(); k++) {
        Write w = pending.get(chosen.get(k));
        byte[] bytes = w.bytes;
        sb.append(k == 0 ? "" : ", ")
            .append('#')
            .append(chosen.get(k))
            .append('@')
            .append(w.position)
            .append('+')
            .append(bytes.length);
        if (k == tornAt) {
          int cut = rnd.nextInt(0, bytes.length + 1);
          bytes = Arrays.copyOf(bytes, bytes.length);
          switch (rnd.nextInt(3)) {
            case 0 -> {
              bytes = Arrays.copyOf(bytes, cut);
              sb.append(" cut to ").append(cut);
            }
            case 1 -> {
              Arrays.fill(bytes, cut, bytes.length, (byte) 0);
              sb.append(" zeros from ").append(cut);
            }
            default -> {
              byte[] junk = new byte[bytes.length - cut];
              rnd.nextBytes(junk);
              System.arraycopy(junk, 0, bytes, cut, junk.length);
              sb.append(" garbage from ").append(cut);
            }
          }
        }
        if (exists) {
          putBack++;
          kept++;
          writeAt(file, w.position, bytes);
        }
      }
      sb.append("]; ");
    }
    return kept + " of " + pending.size() + " unsynced writes put back out of order: " + sb;
  }

  private static void writeAt(Path file, long position, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      long pos = position;
      while (b.hasRemaining()) {
        pos += ch.write(b, pos);
      }
    }
  }

  /**
   * How many unsynced writes {@link #replayPrefix} or {@link #replaySubset} wrote back into
   * surviving files.
   */
  synchronized int putBack() {
    return putBack;
  }

  /** How many unsynced writes {@link #replaySubset} found in files whose names survived. */
  synchronized int inSurvivingFiles() {
    return survivingNames;
  }

  /**
   * In how many files {@link #replaySubset} kept a write while losing an earlier one of that file.
   */
  synchronized int filesWithHoles() {
    return holes;
  }

  /** How many writes are unsynced now. */
  synchronized int pendingCount() {
    return pending.size();
  }

  private synchronized Node node(Path file) {
    Node n = new Node(file.toAbsolutePath().normalize());
    nodes.add(n);
    return n;
  }

  private synchronized void written(Node node, long position, byte[] bytes) {
    pending.add(new Write(node, node.path, position, bytes));
  }

  /** An fsync through any handle of a file makes every write to that file durable. */
  private synchronized void forced(Node node) {
    Path p = node.path;
    pending.removeIf(w -> w.node == node || (p != null && p.equals(w.node.path)));
  }

  private synchronized void renamed(Path source, Path target) {
    Path from = source.toAbsolutePath().normalize();
    Path to = target.toAbsolutePath().normalize();
    for (Node n : nodes) {
      if (to.equals(n.path)) {
        n.path = null; // replaced
      }
    }
    for (Node n : nodes) {
      if (from.equals(n.path)) {
        n.path = to;
      }
    }
  }

  private synchronized void deleted(Path file) {
    Path p = file.toAbsolutePath().normalize();
    for (Node n : nodes) {
      if (p.equals(n.path)) {
        n.path = null;
      }
    }
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    FileHandle real = delegate.open(file, mode);
    Node node = node(file);
    return new FileHandle() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
      }

      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        ByteBuffer copy = src.duplicate();
        int n = real.write(src, position);
        byte[] bytes = new byte[n];
        copy.get(bytes);
        written(node, position, bytes);
        return n;
      }

      @Override
      public void force() throws IOException {
        real.force();
        forced(node);
      }

      @Override
      public void truncate(long size) throws IOException {
        real.truncate(size);
      }

      @Override
      public long size() throws IOException {
        return real.size();
      }

      @Override
      public void close() throws IOException {
        real.close();
      }
    };
  }

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
  }

  @Override
  public List<Path> list(Path directory) throws IOException {
    return delegate.list(directory);
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    delegate.rename(source, target);
    renamed(source, target);
  }

  @Override
  public void delete(Path file) throws IOException {
    delegate.delete(file);
    deleted(file);
  }

  @Override
  public void createDirectories(Path directory) throws IOException {
    delegate.createDirectories(directory);
  }

  @Override
  public void forceDirectory(Path directory) throws IOException {
    delegate.forceDirectory(directory);
  }

  @Override
  public Closeable tryLock(Path lockFile) throws IOException {
    return delegate.tryLock(lockFile);
  }
}
