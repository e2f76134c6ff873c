package io.seglog.bench.peer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Puts seglog next to its peers, in one JVM run, on the same workloads, and prints one Markdown
 * table per workload: median rate with its spread over repetitions, and the ratio to the naive
 * FileChannel baseline.
 *
 * <p>Fairness rules: every run gets a fresh, empty directory, deleted afterwards; within a
 * repetition the systems run one after another in an order rotated at each repetition, so drift
 * (page cache, disk state, JIT) does not always favour the same system; a warm-up round, not
 * reported, precedes the measured ones. A system that fails is shown failed with the reason, never
 * dropped.
 *
 * <p>Run with {@code seglog-bench/peer-runner.sh} (it passes the JVM flags Chronicle Queue needs on
 * Java 17); {@code --help} lists the options.
 */
public final class PeerRunner {
  private PeerRunner() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("peer-runner: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    if (options.help) {
      System.out.println(Options.USAGE);
      return;
    }
    new Run(options, System.out, System.err).execute();
    // Some peers leave non-daemon threads behind (schedulers, flushers): do not wait for them.
    System.exit(0);
  }

  /** One invocation of the runner. */
  private static final class Run {
    private final Options options;
    private final PrintStream out;
    private final PrintStream progress;

    Run(Options options, PrintStream out, PrintStream progress) {
      this.options = options;
      this.out = out;
      this.progress = progress;
    }

    void execute() throws IOException {
      Files.createDirectories(options.dir);
      out.println("# seglog peer comparison");
      out.println();
      out.println("started " + Instant.now() + "; command line: " + String.join(" ", options.argv));
      out.println();
      for (String line : MachineInfo.describe(options.dir)) {
        out.println("- " + line);
      }
      out.println(
          "- repetitions: "
              + options.reps
              + " measured (+"
              + options.warmup
              + " warm-up), time limit "
              + options.limits.maxSeconds
              + " s per run");
      out.println();

      Map<String, PeerSystem> systems = new LinkedHashMap<>();
      Map<String, String> broken = new LinkedHashMap<>();
      for (String name : options.systems) {
        try {
          PeerSystem s = PeerSystems.create(name);
          systems.put(name, s);
          out.println("- " + name + ": " + s.description());
        } catch (Throwable t) {
          broken.put(name, RunResult.failed(t).failure);
          out.println("- " + name + ": FAILED to load: " + broken.get(name));
        }
      }
      out.println();

      for (Workload w : options.workloads) {
        runWorkload(w, systems, broken);
      }
    }

    private void runWorkload(
        Workload w, Map<String, PeerSystem> systems, Map<String, String> broken) {
      progress.println("== " + w.name + ": " + w.description(options.limits));
      List<String> names = new ArrayList<>(systems.keySet());
      Map<String, List<RunResult>> results = new LinkedHashMap<>();
      for (String name : options.systems) {
        results.put(name, new ArrayList<>());
      }
      Workload.Limits warmupLimits = options.limits.scaled(0.25);
      for (int rep = -options.warmup; rep < options.reps; rep++) {
        boolean warmup = rep < 0;
        List<String> order = rotated(names, Math.floorMod(rep, Math.max(1, names.size())));
        for (String name : order) {
          PeerSystem system = systems.get(name);
          RunResult r = runOnce(w, system, warmup ? warmupLimits : options.limits, rep);
          progress.println(
              "  "
                  + (warmup ? "warm-up" : "rep " + (rep + 1) + "/" + options.reps)
                  + " "
                  + name
                  + ": "
                  + summary(r));
          if (!warmup) {
            results.get(name).add(r);
          }
        }
      }
      for (Map.Entry<String, String> b : broken.entrySet()) {
        results.put(b.getKey(), List.of(RunResult.failed(new IllegalStateException(b.getValue()))));
      }
      ResultTable.print(out, w, options.limits, results, systems);
    }

    private RunResult runOnce(Workload w, PeerSystem system, Workload.Limits limits, int rep) {
      Path dir = options.dir.resolve(w.name + "-" + system.name() + "-" + (rep + options.warmup));
      try {
        deleteRecursively(dir);
        Files.createDirectories(dir);
      } catch (IOException e) {
        return RunResult.failed(e);
      }
      System.gc(); // start every run with a clean heap, so one system's garbage is not another's
      RunResult r = w.run(system, dir, limits);
      try {
        deleteRecursively(dir);
      } catch (IOException e) {
        progress.println("  warning: could not delete " + dir + ": " + e);
      }
      return r;
    }

    private static String summary(RunResult r) {
      if (r.notApplicable != null) {
        return "n/a (" + r.notApplicable + ")";
      }
      if (r.failure != null) {
        return "FAILED " + r.failure;
      }
      return String.format(
          "%,.0f records/s, %.1f MB/s (%d records in %.2f s)%s",
          r.recordsPerSecond(),
          r.megabytesPerSecond(),
          r.records,
          r.nanos / 1e9,
          r.note == null ? "" : " [" + r.note + "]");
    }
  }

  static List<String> rotated(List<String> names, int by) {
    List<String> out = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      out.add(names.get((i + by) % names.size()));
    }
    return out;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Command-line options. */
  static final class Options {
    static final String USAGE =
        String.join(
            "\n",
            "usage: peer-runner.sh [options]",
            "  --systems a,b,..     systems to measure (default: all): "
                + String.join(", ", PeerSystems.names()),
            "  --workloads a,b,..   workloads (default: all): " + Workload.names(),
            "  --records N          records per append run, and size of the read logs"
                + " (default 1000000)",
            "  --durable-records N  records per durable-per-record run (default 5000)",
            "  --random-reads N     reads per random-read run (default 1000000)",
            "  --max-seconds S      time limit of one run; a run stops early and reports its"
                + " rate (default 30)",
            "  --reps N             measured repetitions per system and workload (default 5)",
            "  --warmup N           unreported warm-up rounds at 1/4 size (default 1)",
            "  --dir DIR            where logs are written: put it on the disk being measured"
                + " (default: java.io.tmpdir/seglog-peers)");

    final String[] argv;
    boolean help;
    List<String> systems = PeerSystems.names();
    List<Workload> workloads = Workload.ALL;
    Workload.Limits limits;
    int reps = 5;
    int warmup = 1;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "seglog-peers");

    private Options(String[] argv) {
      this.argv = argv.clone();
    }

    static Options parse(String[] args) {
      Options o = new Options(args);
      long records = 1_000_000;
      long durableRecords = 5_000;
      long randomReads = 1_000_000;
      double maxSeconds = 30;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--help") || a.equals("-h")) {
          o.help = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--systems":
            o.systems = Arrays.asList(v.split(","));
            for (String s : o.systems) {
              if (!PeerSystems.names().contains(s)) {
                throw new IllegalArgumentException(
                    "unknown system '" + s + "'; known: " + PeerSystems.names());
              }
            }
            break;
          case "--workloads":
            List<Workload> ws = new ArrayList<>();
            for (String s : v.split(",")) {
              ws.add(Workload.named(s));
            }
            o.workloads = ws;
            break;
          case "--records":
            records = positive(a, v);
            break;
          case "--durable-records":
            durableRecords = positive(a, v);
            break;
          case "--random-reads":
            randomReads = positive(a, v);
            break;
          case "--max-seconds":
            maxSeconds = Double.parseDouble(v);
            if (!(maxSeconds > 0)) {
              throw new IllegalArgumentException("--max-seconds " + v + " is not positive");
            }
            break;
          case "--reps":
            o.reps = (int) positive(a, v);
            break;
          case "--warmup":
            o.warmup = Integer.parseInt(v);
            if (o.warmup < 0) {
              throw new IllegalArgumentException("--warmup " + v + " is negative");
            }
            break;
          case "--dir":
            o.dir = Path.of(v);
            break;
          default:
            throw new IllegalArgumentException("unknown option " + a);
        }
      }
      o.limits = new Workload.Limits(records, durableRecords, randomReads, maxSeconds);
      return o;
    }

    private static long positive(String option, String value) {
      long n;
      try {
        n = Long.parseLong(value.replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " " + value + " is not a number");
      }
      if (n <= 0) {
        throw new IllegalArgumentException(option + " " + value + " is not positive");
      }
      return n;
    }
  }
}
