package io.seglog.bench.peer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the figures were measured on: CPU count, JVM, OS and the file system of the data dir. */
final class MachineInfo {
  private MachineInfo() {}

  static List<String> describe(Path dir) {
    List<String> lines = new ArrayList<>();
    Runtime rt = Runtime.getRuntime();
    lines.add(
        "cores: " + rt.availableProcessors() + ", max heap: " + (rt.maxMemory() >> 20) + " MiB");
    lines.add(
        "jvm: "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")");
    lines.add(
        "os: "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    lines.add("cpu: " + cpuModel());
    lines.add("data directory: " + dir.toAbsolutePath());
    try {
      lines.add("file system (java FileStore): " + Files.getFileStore(dir).type());
    } catch (IOException e) {
      lines.add("file system (java FileStore): unknown (" + e.getMessage() + ")");
    }
    String df = command("df", "-T", dir.toString());
    if (df != null) {
      for (String line : df.split("\n")) {
        lines.add("df -T: " + line);
      }
    }
    String statf = command("stat", "-f", "-c", "%T (block size %S)", dir.toString());
    if (statf != null) {
      lines.add("stat -f: " + statf.trim());
    }
    return lines;
  }

  private static String cpuModel() {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    try {
      for (String line : Files.readAllLines(cpuinfo)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or unreadable: fall through
    }
    return "unknown";
  }

  /** Runs a small command and returns its output, or null if it is not available. */
  private static String command(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      try (InputStream in = p.getInputStream()) {
        String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
          return null;
        }
        return out.strip();
      }
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
