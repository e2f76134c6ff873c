package io.seglog.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a power loss would leave of one directory, by the POSIX rules seglog relies on: written
 * bytes survive only once their file was fsynced; a created, renamed or deleted name survives only
 * once its directory was fsynced. Files are followed as inodes, so data fsynced under a temporary
 * name survives a rename. Unsynced writes are all lost (the harshest choice; a process crash, where
 * they all survive, is the other extreme and is what {@link FaultInjectingFileIO#crash()} leaves).
 *
 * <p>Not thread-safe: {@link FaultInjectingFileIO} calls it under its lock.
 */
final class DurabilityModel {
  private final Path dir;
  private long nextInode;
  private Map<String, Long> current = new HashMap<>();
  private Map<String, Long> durableNames = new HashMap<>();
  private final Map<Long, byte[]> durableData = new HashMap<>();

  /** Starts from the directory as it is now, all of it durable. */
  DurabilityModel(Path directory) throws IOException {
    this.dir = directory.toAbsolutePath().normalize();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.filter(Files::isRegularFile).toList()) {
          long inode = nextInode++;
          String name = p.getFileName().toString();
          current.put(name, inode);
          durableNames.put(name, inode);
          durableData.put(inode, Files.readAllBytes(p));
        }
      }
    }
  }

  private String nameIn(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    return dir.equals(abs.getParent()) ? abs.getFileName().toString() : null;
  }

  /** The inode of {@code file} as it is opened; created files get a new one. */
  Long opened(Path file, boolean creates) {
    String name = nameIn(file);
    if (name == null) {
      return null;
    }
    Long inode = current.get(name);
    if (inode == null) {
      inode = nextInode++;
      current.put(name, inode);
      if (!creates) {
        // a file the model did not see created: take it as it is, durable
        durableNames.put(name, inode);
        try {
          durableData.put(inode, Files.readAllBytes(dir.resolve(name)));
        } catch (IOException e) {
          durableData.put(inode, new byte[0]);
        }
      }
    }
    return inode;
  }

  /** A successful data fsync of the file that is {@code inode}. */
  void forced(Long inode) throws IOException {
    if (inode == null) {
      return;
    }
    for (Map.Entry<String, Long> e : current.entrySet()) {
      if (e.getValue().equals(inode)) {
        durableData.put(inode, Files.readAllBytes(dir.resolve(e.getKey())));
        return;
      }
    }
  }

  void renamed(Path source, Path target) {
    String from = nameIn(source);
    String to = nameIn(target);
    Long inode = from == null ? null : current.remove(from);
    if (to != null) {
      current.put(to, inode != null ? inode : nextInode++);
    }
  }

  void deleted(Path file) {
    String name = nameIn(file);
    if (name != null) {
      current.remove(name);
    }
  }

  void directoryForced(Path directory) {
    if (dir.equals(directory.toAbsolutePath().normalize())) {
      durableNames = new HashMap<>(current);
    }
  }

  /** Rewrites the directory as the power loss leaves it. */
  void powerLoss() throws IOException {
    for (String name : List.copyOf(current.keySet())) {
      Files.deleteIfExists(dir.resolve(name));
    }
    for (String name : List.copyOf(durableNames.keySet())) {
      Files.deleteIfExists(dir.resolve(name));
    }
    for (Map.Entry<String, Long> e : durableNames.entrySet()) {
      Files.write(dir.resolve(e.getKey()), durableData.getOrDefault(e.getValue(), new byte[0]));
    }
    current = new HashMap<>(durableNames);
  }
}
