package io.seglog.bench.scenario;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Small helpers shared by the scenario mains: scratch directories, summaries, child JVMs. */
final class Scenarios {
  private Scenarios() {}

  /** Where scenario logs live: {@code -Dseglog.scenario.dir}, default /tmp/seglog-scenarios. */
  static Path root() throws IOException {
    Path root = Paths.get(System.getProperty("seglog.scenario.dir", "/tmp/seglog-scenarios"));
    Files.createDirectories(root);
    return root;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /** "median (min..max)" of the values, formatted with {@code fmt}. */
  static String summary(List<Double> values, String fmt) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (v.length == 0) {
      return "n/a";
    }
    double median =
        v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return String.format(Locale.ROOT, fmt, median)
        + " ("
        + String.format(Locale.ROOT, fmt, v[0])
        + ".."
        + String.format(Locale.ROOT, fmt, v[v.length - 1])
        + ")";
  }

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** The {@code p}-quantile (0..1) of sorted samples, nearest rank. */
  static long percentile(long[] sorted, int n, double p) {
    if (n == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p * n) - 1;
    return sorted[Math.max(0, Math.min(n - 1, rank))];
  }

  static String loadAverage() {
    try {
      return Files.readString(Paths.get("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Starts {@code main} in a child JVM on this JVM's class path, with its stderr inherited. */
  static Process startJava(Class<?> main, List<String> jvmArgs, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    String dir = System.getProperty("seglog.scenario.dir");
    if (dir != null) {
      cmd.add("-Dseglog.scenario.dir=" + dir);
    }
    cmd.add(main.getName());
    cmd.addAll(Arrays.asList(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /**
   * Runs {@code main} in a child JVM to completion and parses its last stdout line of {@code
   * key=value} pairs separated by spaces.
   */
  static Map<String, String> runJava(Class<?> main, List<String> jvmArgs, String... args)
      throws IOException, InterruptedException {
    Process p = startJava(main, jvmArgs, args);
    String last = null;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        last = line;
      }
    }
    int rc = p.waitFor();
    if (rc != 0 || last == null) {
      throw new IllegalStateException(main.getSimpleName() + " exited with " + rc);
    }
    return parse(last);
  }

  static Map<String, String> parse(String line) {
    Map<String, String> m = new HashMap<>();
    for (String kv : line.trim().split("\\s+")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return m;
  }

  /** Drops the page cache (needs root); returns whether it worked. */
  static boolean dropPageCache() {
    try {
      Process p =
          new ProcessBuilder("sh", "-c", "sync; echo 3 > /proc/sys/vm/drop_caches")
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Open file descriptors of this process (the listing's own descriptor excluded). */
  static long openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
      return fds.count() - 1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** A growable list of longs, for latency samples without boxing. Not thread-safe. */
  static final class Samples {
    private long[] values = new long[1 << 16];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    /** Merges all into one sorted array (its length may exceed the count; use {@link #total}). */
    static long[] sortedUnion(List<Samples> all) {
      int n = total(all);
      long[] out = new long[n];
      int at = 0;
      for (Samples s : all) {
        System.arraycopy(s.values, 0, out, at, s.size);
        at += s.size;
      }
      Arrays.sort(out);
      return out;
    }

    static int total(List<Samples> all) {
      int n = 0;
      for (Samples s : all) {
        n += s.size;
      }
      return n;
    }
  }
}
