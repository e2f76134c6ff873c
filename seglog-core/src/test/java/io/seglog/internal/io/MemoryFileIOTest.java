package io.seglog.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MemoryFileIO} behaves as {@link NioFileIO} on a real directory: the same seeded random
 * sequence of operations (creating, opening, writing past the end, reading, truncating, renaming
 * and deleting files, also while handles on them are open; listing, creating and fsyncing
 * directories; locking) runs on both, and every step must give the same result or the same
 * exception class. Not covered, by design: opening a directory as a file (the log never does).
 */
class MemoryFileIOTest {
  static final String[] FILES = {"f1", "f2", "d/f3", "d/e/f4"};
  static final String[] DIRS = {"d", "d/e"};

  static LongStream seeds() {
    return LongStream.range(0, 200);
  }

  @ParameterizedTest(name = "seed={0}")
  @MethodSource("seeds")
  void sameResultsAsTheRealFileSystem(long seed, @TempDir Path tmp) throws IOException {
    Side disk = new Side(NioFileIO.INSTANCE, tmp.resolve("root"));
    Side memory = new Side(new MemoryFileIO(), tmp.resolve("root")); // same names, not on disk
    disk.io.createDirectories(disk.root);
    memory.io.createDirectories(memory.root);
    SplittableRandom rnd = new SplittableRandom(seed);
    List<String> history = new ArrayList<>();
    try {
      for (int step = 0; step < 80; step++) {
        long opSeed = rnd.nextLong();
        String a = disk.apply(new SplittableRandom(opSeed));
        String b = memory.apply(new SplittableRandom(opSeed));
        history.add(a);
        assertThat(b).as("step %d after:%n%s", step, String.join("\n", history)).isEqualTo(a);
      }
    } finally {
      disk.closeAll();
      memory.closeAll();
    }
  }

  /** One implementation under test, with its open handles and locks. */
  static final class Side {
    final FileIO io;
    final Path root;
    final List<FileHandle> handles = new ArrayList<>();
    final List<Closeable> locks = new ArrayList<>();

    Side(FileIO io, Path root) {
      this.io = io;
      this.root = root;
    }

    String apply(SplittableRandom r) {
      String what = "?";
      try {
        String file = FILES[r.nextInt(FILES.length)];
        Path p = root.resolve(file);
        int op = r.nextInt(16);
        FileHandle h = handles.isEmpty() ? null : handles.get(r.nextInt(handles.size()));
        switch (op) {
          case 0, 1 -> {
            FileIO.Mode mode = FileIO.Mode.values()[r.nextInt(4)];
            what = "open " + file + " " + mode;
            handles.add(io.open(p, mode));
            return what + " ok";
          }
          case 2, 3 -> {
            if (h == null) {
              return "no handle";
            }
            byte[] b = new byte[r.nextInt(20)];
            r.nextBytes(b);
            long pos = r.nextInt(50);
            what = "write " + b.length + " at " + pos;
            h.writeFully(ByteBuffer.wrap(b), pos);
            return what + " ok";
          }
          case 4, 5 -> {
            if (h == null) {
              return "no handle";
            }
            ByteBuffer b = ByteBuffer.allocate(1 + r.nextInt(30));
            long pos = r.nextInt(60);
            what = "read " + b.capacity() + " at " + pos;
            int n = h.read(b, pos);
            return what
                + " -> "
                + n
                + " "
                + HexFormat.of().formatHex(Arrays.copyOf(b.array(), b.position()));
          }
          case 6 -> {
            if (h == null) {
              return "no handle";
            }
            long size = r.nextInt(40);
            what = "truncate " + size;
            h.truncate(size);
            return what + " ok, size " + h.size();
          }
          case 7 -> {
            if (h == null) {
              return "no handle";
            }
            what = "close, force, size";
            h.close();
            h.force();
            return what + " " + h.size();
          }
          case 8 -> {
            what = "exists " + file;
            return what + " " + io.exists(p);
          }
          case 9 -> {
            Path dir = r.nextBoolean() ? root : root.resolve(DIRS[r.nextInt(DIRS.length)]);
            what = "list " + root.relativize(dir);
            return what
                + " "
                + io.list(dir).stream().map(x -> root.relativize(x).toString()).sorted().toList();
          }
          case 10 -> {
            String target = FILES[r.nextInt(FILES.length)];
            what = "rename " + file + " " + target;
            io.rename(p, root.resolve(target));
            return what + " ok";
          }
          case 11 -> {
            String name = r.nextInt(3) == 0 ? DIRS[r.nextInt(DIRS.length)] : file;
            what = "delete " + name;
            io.delete(root.resolve(name));
            return what + " ok";
          }
          case 12 -> {
            String dir = DIRS[r.nextInt(DIRS.length)];
            what = "createDirectories " + dir;
            io.createDirectories(root.resolve(dir));
            return what + " ok";
          }
          case 13 -> {
            String dir = DIRS[r.nextInt(DIRS.length)];
            what = "forceDirectory " + dir;
            io.forceDirectory(root.resolve(dir));
            return what + " ok";
          }
          case 14 -> {
            what = "tryLock " + file;
            Closeable l = io.tryLock(p);
            if (l != null) {
              locks.add(l);
            }
            return what + " " + (l != null);
          }
          default -> {
            if (locks.isEmpty()) {
              return "no lock";
            }
            what = "unlock";
            locks.remove(r.nextInt(locks.size())).close();
            return what + " ok";
          }
        }
      } catch (IOException | RuntimeException e) {
        return what + " threw " + e.getClass().getSimpleName();
      }
    }

    void closeAll() {
      for (FileHandle h : handles) {
        try {
          h.close();
        } catch (IOException ignored) {
          // closing only
        }
      }
      for (Closeable l : locks) {
        try {
          l.close();
        } catch (IOException ignored) {
          // closing only
        }
      }
    }
  }
}
