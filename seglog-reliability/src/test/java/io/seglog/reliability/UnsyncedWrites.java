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
  private record Write(Path file, long position, byte[] bytes) {}

  private final FileIO delegate;
  private final List<Write> pending = new ArrayList<>(); // @GuardedBy("this")
  private int putBack; // @GuardedBy("this")

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
      if (Files.exists(w.file)) {
        putBack++;
        try (FileChannel ch = FileChannel.open(w.file, StandardOpenOption.WRITE)) {
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

  /** How many unsynced writes {@link #replayPrefix} wrote back into surviving files. */
  synchronized int putBack() {
    return putBack;
  }

  private synchronized void written(Path file, long position, byte[] bytes) {
    pending.add(new Write(file.toAbsolutePath().normalize(), position, bytes));
  }

  private synchronized void forced(Path file) {
    Path p = file.toAbsolutePath().normalize();
    pending.removeIf(w -> w.file.equals(p));
  }

  @Override
  public FileHandle open(Path file, Mode mode) throws IOException {
    FileHandle real = delegate.open(file, mode);
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
        written(file, position, bytes);
        return n;
      }

      @Override
      public void force() throws IOException {
        real.force();
        forced(file);
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
  }

  @Override
  public void delete(Path file) throws IOException {
    delegate.delete(file);
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
