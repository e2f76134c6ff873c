package io.seglog.bench.scenario;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the disk under {@code -Dseglog.scenario.dir} does with no log at all: the limits the issue-3
 * targets meet on this machine. No seglog code runs here; each probe is a plain {@link FileChannel}
 * loop.
 *
 * <ul>
 *   <li>{@code write}: one thread writes {@code chunk} bytes at the end of a file, then {@code
 *       fdatasync}s it ({@code force(false)}), {@code syncs} times. {@code file=grow}: a new file,
 *       as a log appends (each fdatasync also writes the grown size); {@code file=prezeroed}: a
 *       file written with zeros and fsynced beforehand (not timed), so each fdatasync writes data
 *       only. A chunk of 120,000 bytes is 1000 packed records of 100 B: the disk's own bound on
 *       "durable every 1000 records" when the records cost no CPU.
 *   <li>{@code file=zeroed-ahead}: as a log with pre-zeroed segments would: files of 64 MiB, each
 *       written with zeros and fsynced by a second thread while the writer fills the one before
 *       (the writer waits when the next is not ready), the first one's zeroing timed too: what
 *       pre-zeroing costs when it is paid in the same run.
 *   <li>{@code file=direct}: a growing file opened with {@code O_DIRECT}, each write {@code chunk}
 *       rounded up to the file system's block, then fdatasynced: what direct I/O would give a log.
 *   <li>{@code threads=N}: N threads each write {@code chunk} bytes at the end of one shared file
 *       and fdatasync, for {@code seconds}: whether concurrent fsyncs overlap on this disk.
 *   <li>{@code pages}: no fsync at all. One thread writes {@code mib} MiB to a new file in 1 MiB
 *       writes (every page a fresh page-cache page, as a log's appends without sync get), then
 *       writes the same bytes again over that file (its pages already cached): what the page
 *       cache's page allocation costs a writer, against the copy alone. Then the same amount to a
 *       new file opened with {@code O_DIRECT} (no page cache at all; an fdatasync at the end,
 *       timed): what direct I/O would give instead. The files are deleted after each run, so the
 *       next run allocates again.
 * </ul>
 *
 * <p>Usage: {@code FsyncProbe [probe=write|threads|pages] [file=grow,prezeroed,zeroed-ahead,direct]
 * [chunk=120000] [syncs=3000] [threads=1,2,4,8] [seconds=3] [mib=360] [runs=3]}. Runs are
 * interleaved (run 1 of every point, then run 2, ...).
 */
public final class FsyncProbe {
  private FsyncProbe() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = Scenarios.parse(String.join(" ", args));
    String probe = opt.getOrDefault("probe", "write");
    int chunk = Integer.parseInt(opt.getOrDefault("chunk", "120000"));
    int runs = Integer.parseInt(opt.getOrDefault("runs", "3"));
    Path dir = Scenarios.root().resolve("fsync-probe");
    Scenarios.deleteRecursively(dir);
    java.nio.file.Files.createDirectories(dir);
    System.out.printf(
        Locale.ROOT,
        "# FsyncProbe %s dir=%s load=\"%s\"%n",
        String.join(" ", args),
        dir,
        Scenarios.loadAverage());
    try {
      if (probe.equals("write")) {
        String[] files = opt.getOrDefault("file", "grow,prezeroed").split(",");
        int syncs = Integer.parseInt(opt.getOrDefault("syncs", "3000"));
        for (int run = 1; run <= runs; run++) {
          for (String file : files) {
            if (file.equals("zeroed-ahead")) {
              zeroedAhead(dir, chunk, syncs, run);
            } else {
              writeAndSync(dir.resolve("probe.dat"), file, chunk, syncs, run);
            }
          }
        }
      } else if (probe.equals("threads")) {
        int[] threads =
            Arrays.stream(opt.getOrDefault("threads", "1,2,4,8").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        double seconds = Double.parseDouble(opt.getOrDefault("seconds", "3"));
        for (int run = 1; run <= runs; run++) {
          for (int t : threads) {
            concurrentSyncs(dir.resolve("probe.dat"), t, chunk, seconds, run);
          }
        }
      } else if (probe.equals("pages")) {
        int mib = Integer.parseInt(opt.getOrDefault("mib", "360"));
        for (int run = 1; run <= runs; run++) {
          freshAndCachedPages(dir.resolve("probe.dat"), mib, run);
        }
      } else {
        throw new IllegalArgumentException("probe must be write, threads or pages, not " + probe);
      }
    } finally {
      Scenarios.deleteRecursively(dir);
    }
  }

  private static void writeAndSync(Path path, String file, int chunk, int syncs, int run)
      throws IOException {
    java.nio.file.Files.deleteIfExists(path);
    boolean direct = file.equals("direct");
    try (FileChannel ch =
        direct
            ? FileChannel.open(
                path,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE,
                com.sun.nio.file.ExtendedOpenOption.DIRECT)
            : FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer data;
      if (direct) {
        // Rounded up to the block, from a block-aligned buffer: appendAndSync writes position 0 to
        // capacity, so the slice is exactly the padded length.
        int block = Math.toIntExact(java.nio.file.Files.getFileStore(path).getBlockSize());
        int padded = (chunk + block - 1) / block * block;
        data = ByteBuffer.allocateDirect(padded + block).alignedSlice(block).slice(0, padded);
        data.put(pattern(chunk)).clear();
      } else if (file.equals("prezeroed")) {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        long total = (long) chunk * syncs;
        for (long at = 0; at < total; ) {
          zeros.clear().limit((int) Math.min(zeros.capacity(), total - at));
          at += ch.write(zeros, at);
        }
        ch.force(true);
        data = pattern(chunk);
      } else if (file.equals("grow")) {
        data = pattern(chunk);
      } else {
        throw new IllegalArgumentException(
            "file must be grow, prezeroed, zeroed-ahead or direct, not " + file);
      }
      long[] fsyncNanos = new long[syncs];
      long at = 0;
      long start = System.nanoTime();
      for (int i = 0; i < syncs; i++) {
        at = appendAndSync(ch, data, at, fsyncNanos, i);
      }
      double secs = (System.nanoTime() - start) / 1e9;
      Arrays.sort(fsyncNanos);
      System.out.printf(
          Locale.ROOT,
          "run=%d probe=write file=%s chunk=%d written=%d syncs/s=%.0f MB/s=%.1f"
              + " fsync_p50_us=%d fsync_p99_us=%d%n",
          run,
          file,
          chunk,
          data.capacity(),
          syncs / secs,
          (double) chunk * syncs / secs / 1e6,
          Scenarios.percentile(fsyncNanos, syncs, 0.50) / 1000,
          Scenarios.percentile(fsyncNanos, syncs, 0.99) / 1000);
    } finally {
      java.nio.file.Files.deleteIfExists(path);
    }
  }

  private static void freshAndCachedPages(Path path, int mib, int run) throws IOException {
    java.nio.file.Files.deleteIfExists(path);
    ByteBuffer data = pattern(1 << 20);
    try (FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      double fresh = writeMiB(ch, data, mib);
      double cached = writeMiB(ch, data, mib);
      java.nio.file.Files.delete(path);
      double direct = writeDirectMiB(path, mib);
      System.out.printf(
          Locale.ROOT,
          "run=%d probe=pages mib=%d fresh_pages_MB/s=%.0f cached_pages_MB/s=%.0f"
              + " direct_MB/s=%.0f%n",
          run,
          mib,
          fresh,
          cached,
          direct);
    } finally {
      java.nio.file.Files.deleteIfExists(path);
    }
  }

  /**
   * Writes {@code mib} MiB to a new file opened with {@code O_DIRECT} (no page cache), 1 MiB per
   * write from a block-aligned buffer, then fdatasyncs; returns MB/s, the sync included.
   */
  private static double writeDirectMiB(Path path, int mib) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            com.sun.nio.file.ExtendedOpenOption.DIRECT)) {
      int block = Math.toIntExact(java.nio.file.Files.getFileStore(path).getBlockSize());
      ByteBuffer aligned = ByteBuffer.allocateDirect((1 << 20) + block).alignedSlice(block);
      ByteBuffer source = pattern(1 << 20);
      aligned.put(source).flip();
      long start = System.nanoTime();
      long at = 0;
      for (int i = 0; i < mib; i++) {
        aligned.clear();
        while (aligned.hasRemaining()) {
          at += ch.write(aligned, at);
        }
      }
      ch.force(false);
      return at / 1e6 / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** Writes {@code mib} MiB of {@code data} from offset 0, 1 MiB per write; returns MB/s. */
  private static double writeMiB(FileChannel ch, ByteBuffer data, int mib) throws IOException {
    long start = System.nanoTime();
    long at = 0;
    for (int i = 0; i < mib; i++) {
      data.clear();
      while (data.hasRemaining()) {
        at += ch.write(data, at);
      }
    }
    return at / 1e6 / ((System.nanoTime() - start) / 1e9);
  }

  private static final long AHEAD_FILE_BYTES = 64L << 20;

  /** {@code chunk} bytes of a fixed pattern, in direct memory. */
  private static ByteBuffer pattern(int chunk) {
    ByteBuffer data = ByteBuffer.allocateDirect(chunk);
    for (int i = 0; i < chunk; i++) {
      data.put(i, (byte) (i * 31 + 7));
    }
    return data;
  }

  /**
   * Writes {@code data} whole at {@code at}, then fdatasyncs, timing the sync into {@code
   * fsyncNanos[i]}; returns the position after the data.
   */
  private static long appendAndSync(
      FileChannel ch, ByteBuffer data, long at, long[] fsyncNanos, int i) throws IOException {
    data.clear();
    while (data.hasRemaining()) {
      at += ch.write(data, at);
    }
    long s = System.nanoTime();
    ch.force(false);
    fsyncNanos[i] = System.nanoTime() - s;
    return at;
  }

  private static FileChannel zeroedFile(Path path) throws IOException {
    FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
      for (long at = 0; at < AHEAD_FILE_BYTES; ) {
        zeros.clear();
        at += ch.write(zeros, at);
      }
      ch.force(true);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static void zeroedAhead(Path dir, int chunk, int syncs, int run) throws Exception {
    java.util.concurrent.ExecutorService zeroer =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    List<FileChannel> open = new ArrayList<>();
    try {
      ByteBuffer data = pattern(chunk);
      long[] fsyncNanos = new long[syncs];
      long waitedNanos = 0;
      int file = 0;
      long start = System.nanoTime();
      FileChannel ch = zeroedFile(dir.resolve("ahead-0.dat"));
      open.add(ch);
      java.util.concurrent.Future<FileChannel> next =
          zeroer.submit(() -> zeroedFile(dir.resolve("ahead-1.dat")));
      long at = 0;
      for (int i = 0; i < syncs; i++) {
        if (at + chunk > AHEAD_FILE_BYTES) {
          long w = System.nanoTime();
          ch = next.get();
          waitedNanos += System.nanoTime() - w;
          open.add(ch);
          file++;
          Path following = dir.resolve("ahead-" + (file + 1) + ".dat");
          next = zeroer.submit(() -> zeroedFile(following));
          at = 0;
        }
        at = appendAndSync(ch, data, at, fsyncNanos, i);
      }
      double secs = (System.nanoTime() - start) / 1e9;
      open.add(next.get());
      Arrays.sort(fsyncNanos);
      System.out.printf(
          Locale.ROOT,
          "run=%d probe=write file=zeroed-ahead chunk=%d syncs/s=%.0f MB/s=%.1f fsync_p50_us=%d"
              + " fsync_p99_us=%d waited_for_zeroing_ms=%.0f%n",
          run,
          chunk,
          syncs / secs,
          (double) chunk * syncs / secs / 1e6,
          Scenarios.percentile(fsyncNanos, syncs, 0.50) / 1000,
          Scenarios.percentile(fsyncNanos, syncs, 0.99) / 1000,
          waitedNanos / 1e6);
    } finally {
      zeroer.shutdownNow();
      for (FileChannel c : open) {
        c.close();
      }
      try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          java.nio.file.Files.delete(f);
        }
      }
    }
  }

  private static void concurrentSyncs(Path path, int threads, int chunk, double seconds, int run)
      throws Exception {
    java.nio.file.Files.deleteIfExists(path);
    try (FileChannel ch =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      AtomicLong end = new AtomicLong();
      AtomicLong syncs = new AtomicLong();
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      List<Thread> workers = new ArrayList<>();
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < threads; t++) {
        Thread w =
            new Thread(
                () -> {
                  ByteBuffer data = ByteBuffer.allocateDirect(chunk);
                  try {
                    while (System.nanoTime() - deadline < 0) {
                      data.clear();
                      long at = end.getAndAdd(chunk);
                      while (data.hasRemaining()) {
                        at += ch.write(data, at);
                      }
                      ch.force(false);
                      syncs.incrementAndGet();
                    }
                  } catch (IOException | RuntimeException e) {
                    failures.add(e);
                  }
                },
                "fsync-probe-" + t);
        workers.add(w);
        w.start();
      }
      for (Thread w : workers) {
        w.join();
      }
      if (!failures.isEmpty()) {
        throw new IOException("a probe thread failed", failures.get(0));
      }
      System.out.printf(
          Locale.ROOT,
          "run=%d probe=threads threads=%d chunk=%d syncs/s=%.0f%n",
          run,
          threads,
          chunk,
          syncs.get() / seconds);
    } finally {
      java.nio.file.Files.deleteIfExists(path);
    }
  }
}
