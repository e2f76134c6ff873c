package io.seglog.bench.peer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Prints one workload's results as a Markdown table, with the notes each row needs. */
final class ResultTable {
  static final String BASELINE = "baseline";

  private ResultTable() {}

  static void print(
      PrintStream out,
      Workload w,
      Workload.Limits limits,
      Map<String, List<RunResult>> results,
      Map<String, PeerSystem> systems) {
    out.println("## " + w.name);
    out.println();
    out.println(w.description(limits) + ".");
    out.println();
    out.println(
        "| system | records/s (median) | MB/s (median) | records/s min..max | vs baseline | runs |"
            + " notes |");
    out.println("|---|---:|---:|---:|---:|---:|---|");
    double baseline = median(rates(results.get(BASELINE)));
    Set<String> caveats = new LinkedHashSet<>();
    for (Map.Entry<String, List<RunResult>> e : results.entrySet()) {
      String name = e.getKey();
      List<RunResult> runs = e.getValue();
      List<Double> rates = rates(runs);
      List<Double> mbs = new ArrayList<>();
      Set<String> notes = new LinkedHashSet<>();
      int failures = 0;
      for (RunResult r : runs) {
        if (r.ok()) {
          mbs.add(r.megabytesPerSecond());
          if (r.note != null) {
            notes.add(r.note.replaceAll("\\d+", "N"));
          }
        } else if (r.notApplicable != null) {
          notes.add("n/a: " + r.notApplicable);
        } else if (r.failure != null) {
          failures++;
          notes.add("FAILED: " + r.failure.replace('|', '/').replace('\n', ' '));
        }
      }
      if (failures > 0) {
        notes.add(failures + " of " + runs.size() + " runs failed");
      }
      PeerSystem system = systems.get(name);
      if (system != null) {
        String caveat = system.caveat(w.durability);
        if (!caveat.isEmpty()) {
          caveats.add(name + ": " + caveat);
        }
      }
      if (rates.isEmpty()) {
        out.printf("| %s | - | - | - | - | 0 | %s |%n", name, String.join("; ", notes));
        continue;
      }
      double med = median(rates);
      String ratio = Double.isNaN(baseline) ? "-" : String.format("%.2fx", med / baseline);
      out.printf(
          "| %s | %,.0f | %.1f | %,.0f..%,.0f | %s | %d | %s |%n",
          name,
          med,
          median(mbs),
          rates.stream().mapToDouble(Double::doubleValue).min().getAsDouble(),
          rates.stream().mapToDouble(Double::doubleValue).max().getAsDouble(),
          ratio,
          rates.size(),
          String.join("; ", notes));
    }
    out.println();
    for (String c : caveats) {
      out.println("- " + c);
    }
    if (!caveats.isEmpty()) {
      out.println();
    }
    out.flush();
  }

  private static List<Double> rates(List<RunResult> runs) {
    List<Double> rates = new ArrayList<>();
    if (runs != null) {
      for (RunResult r : runs) {
        if (r.ok()) {
          rates.add(r.recordsPerSecond());
        }
      }
    }
    return rates;
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
