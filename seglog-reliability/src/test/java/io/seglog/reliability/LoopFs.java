package io.seglog.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real file system on a loop device, for power-cut and disk-full tests: a sparse image file, a
 * loop device attached to it, a mount point. {@link #powerCut()} is {@code xfs_io -x -c shutdown}
 * (FS_IOC_SHUTDOWN without a log flush: the file system stops writing at once and discards what it
 * had not written, as a power loss would; it works on ext4 and XFS). Needs root. {@link #close()}
 * always unmounts and detaches, so a failed test leaves no mount behind. Not thread-safe.
 */
final class LoopFs implements AutoCloseable {
  private final Path image;
  private final Path mountPoint;
  private final String type;
  private String device;
  private boolean mounted;

  private LoopFs(Path image, Path mountPoint, String type) {
    this.image = image;
    this.mountPoint = mountPoint;
    this.type = type;
  }

  /**
   * Why loop-mounted {@code type} file systems cannot be used here, or null when they can: not
   * root, a missing tool, no free loop device.
   */
  static String unavailable(String type, boolean needsXfsIo) {
    try {
      String uid = run(List.of("id", "-u")).trim();
      if (!uid.equals("0")) {
        return "needs root (uid is " + uid + ") for loop devices and mount";
      }
      List<String> tools = new ArrayList<>(List.of("losetup", "mount", "umount"));
      if (!type.equals("tmpfs")) {
        tools.add("mkfs." + type);
      }
      if (needsXfsIo) {
        tools.add("xfs_io");
      }
      for (String tool : tools) {
        if (!onPath(tool)) {
          return tool
              + " is not installed"
              + (tool.contains("xfs") ? " (Debian package xfsprogs; .ci/run installs it)" : "");
        }
      }
      if (!type.equals("tmpfs")) {
        run(List.of("losetup", "-f"));
      }
      return null;
    } catch (IOException e) {
      return "cannot use loop devices: " + e.getMessage();
    }
  }

  private static boolean onPath(String tool) {
    for (String d : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin")) {
      if (Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Makes a {@code type} file system of {@code bytes} in a sparse image under {@code workDir},
   * attaches and mounts it. For {@code tmpfs}, only mounts a tmpfs of that size.
   */
  static LoopFs create(Path workDir, String type, long bytes, String... mkfsOptions)
      throws IOException {
    Path image = workDir.resolve(type + ".img");
    Path mnt = Files.createDirectories(workDir.resolve("mnt-" + type));
    LoopFs fs = new LoopFs(image, mnt, type);
    try {
      if (type.equals("tmpfs")) {
        run(List.of("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", mnt.toString()));
        fs.mounted = true;
        return fs;
      }
      try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
        f.setLength(bytes);
      }
      List<String> mkfs = new ArrayList<>(List.of("mkfs." + type, "-q"));
      mkfs.addAll(List.of(mkfsOptions));
      mkfs.add(image.toString());
      run(mkfs);
      fs.device = run(List.of("losetup", "-f", "--show", image.toString())).trim();
      fs.mount();
      return fs;
    } catch (IOException | RuntimeException e) {
      fs.close();
      throw e;
    }
  }

  Path mountPoint() {
    return mountPoint;
  }

  String type() {
    return type;
  }

  void mount() throws IOException {
    run(List.of("mount", "-t", type, device, mountPoint.toString()));
    mounted = true;
  }

  /** Cuts the power: the file system stops, and what it had not written is lost. */
  void powerCut() throws IOException {
    run(List.of("xfs_io", "-x", "-c", "shutdown", mountPoint.toString()));
  }

  void unmount() throws IOException {
    run(List.of("umount", mountPoint.toString()));
    mounted = false;
  }

  /** The power comes back: unmount the dead file system and mount it again (journal replay). */
  void remount() throws IOException {
    unmount();
    mount();
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    if (mounted) {
      try {
        unmount();
      } catch (IOException e) {
        first = e;
        try {
          run(List.of("umount", "-l", mountPoint.toString())); // never leave a mount behind
          mounted = false;
        } catch (IOException e2) {
          e.addSuppressed(e2);
        }
      }
    }
    if (device != null) {
      try {
        run(List.of("losetup", "-d", device));
        device = null;
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    Files.deleteIfExists(image);
    if (first != null) {
      throw first;
    }
  }

  /** Runs a command to completion; its stdout, or an IOException with its output if it failed. */
  static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      // The bound only turns a hung mount into a failure.
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("hung: " + command);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + command, e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(command + " exited " + p.exitValue() + ": " + out.trim());
    }
    return out;
  }
}
