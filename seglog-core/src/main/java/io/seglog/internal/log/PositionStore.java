package io.seglog.internal.log;

import io.seglog.CorruptLogException;
import io.seglog.SeglogIOException;
import io.seglog.internal.format.FileNames;
import io.seglog.internal.format.FormatException;
import io.seglog.internal.format.PositionFormat;
import io.seglog.internal.format.PositionFormat.Position;
import io.seglog.internal.io.FileHandle;
import io.seglog.internal.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The committed positions of named tailers: one small file per name under {@code positions/} (see
 * {@link PositionFormat}), loaded on first use and cached.
 *
 * <p>Crash safety: a commit writes {@code <name>.pos.tmp}, fsyncs it, renames it over {@code
 * <name>.pos} and fsyncs the directory before it returns, so after a crash a name holds either its
 * previous or its new position, whole (the CRC refuses anything else). A leftover {@code .tmp} is
 * an interrupted commit that never happened: ignored, and deleted by a writable open's first use.
 * The {@code positions} directory is created (and the log directory fsynced) on the first commit.
 *
 * <p>Thread-safe; commits are serialized (each one costs two fsyncs).
 */
final class PositionStore {
  private final Path directory;
  private final FileIO io;
  private final UUID logId;
  private final boolean writable;
  private final Clock clock;
  private final Set<String> open = new HashSet<>(); // @GuardedBy("this")
  private Map<String, Long> committed; // @GuardedBy("this"); null until loaded

  PositionStore(Path logDirectory, FileIO io, UUID logId, boolean writable, Clock clock) {
    this.directory = logDirectory.resolve(PositionFormat.DIRECTORY);
    this.io = io;
    this.logId = logId;
    this.writable = writable;
    this.clock = clock;
  }

  /** The committed position of {@code name}, or -1 if it has none. */
  synchronized long position(String name) {
    Long p = loaded().get(name);
    return p == null ? -1 : p;
  }

  /** Every committed position, by name. */
  synchronized Map<String, Long> positions() {
    return new TreeMap<>(loaded());
  }

  /**
   * The lowest committed position, {@link Long#MAX_VALUE} when no name has one: retention must keep
   * every record from it on (unless configured otherwise).
   */
  synchronized long minCommittedPosition() {
    long min = Long.MAX_VALUE;
    for (long p : loaded().values()) {
      min = Math.min(min, p);
    }
    return min;
  }

  /** Marks {@code name} open by a tailer; false if another tailer has it open. */
  synchronized boolean acquire(String name) {
    return open.add(name);
  }

  synchronized void release(String name) {
    open.remove(name);
  }

  /** Stores {@code position} for {@code name}, durably (see the class note). */
  synchronized void commit(String name, long position) {
    if (!writable) {
      throw new UnsupportedOperationException(
          "log " + directory.getParent() + " is open read-only: positions cannot be committed");
    }
    Map<String, Long> all = loaded();
    Path target = file(name);
    Path temp = FileNames.temp(target);
    try {
      if (!io.exists(directory)) {
        io.createDirectories(directory);
        io.forceDirectory(directory.getParent());
      }
      ByteBuffer bytes = PositionFormat.encode(new Position(logId, position, clock.millis()));
      try (FileHandle out = io.open(temp, FileIO.Mode.CREATE_OR_TRUNCATE)) {
        out.writeFully(bytes, 0);
        out.force();
      }
      io.rename(temp, target); // commit point, made durable by the directory fsync
      io.forceDirectory(directory);
    } catch (IOException e) {
      throw new SeglogIOException("cannot commit position of '" + name + "' to " + target, e);
    }
    all.put(name, position);
  }

  /** Forgets {@code name}'s position, durably. No error if it has none. */
  synchronized void delete(String name) {
    if (!writable) {
      throw new UnsupportedOperationException(
          "log " + directory.getParent() + " is open read-only: positions cannot be deleted");
    }
    Map<String, Long> all = loaded();
    if (all.remove(name) == null) {
      return;
    }
    try {
      io.delete(file(name));
      io.forceDirectory(directory);
    } catch (IOException e) {
      throw new SeglogIOException("cannot delete position of '" + name + "'", e);
    }
  }

  private Path file(String name) {
    return directory.resolve(name + PositionFormat.SUFFIX);
  }

  private Map<String, Long> loaded() {
    if (committed == null) {
      committed = load();
    }
    return committed;
  }

  private Map<String, Long> load() {
    Map<String, Long> all = new TreeMap<>();
    if (!io.exists(directory)) {
      return all;
    }
    try {
      for (Path entry : io.list(directory)) {
        String file = entry.getFileName().toString();
        if (file.endsWith(FileNames.TEMP_SUFFIX)) {
          if (writable) {
            io.delete(entry); // an interrupted commit: the previous file, if any, still holds
          }
          continue;
        }
        if (!file.endsWith(PositionFormat.SUFFIX)) {
          continue;
        }
        String name = file.substring(0, file.length() - PositionFormat.SUFFIX.length());
        if (!PositionFormat.isValidName(name)) {
          continue;
        }
        all.put(name, read(entry));
      }
    } catch (IOException e) {
      throw new SeglogIOException("cannot read reader positions in " + directory, e);
    }
    return all;
  }

  private long read(Path file) throws IOException {
    try (FileHandle in = io.open(file, FileIO.Mode.READ)) {
      long size = in.size();
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, PositionFormat.BYTES + 1));
      in.readFully(b, 0);
      Position p = PositionFormat.decode(b.flip());
      if (!p.logId().equals(logId)) {
        throw new CorruptLogException(
            file, 8, "position belongs to another log (log id " + p.logId() + ")");
      }
      return p.position();
    } catch (FormatException e) {
      throw new CorruptLogException(file, e.offset(), e.getMessage());
    }
  }
}
