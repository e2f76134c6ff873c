package io.seglog.examples.kv;

import io.seglog.LogConfig;
import io.seglog.ReplayReport;
import io.seglog.SeglogException;
import io.seglog.StateMachineLog;
import io.seglog.SyncPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A small durable key-value store on seglog: {@code java -jar seglog-kv.jar DIR}.
 *
 * <p>Reads commands on stdin, one per line, and answers each on stdout:
 *
 * <ul>
 *   <li>{@code put KEY VALUE}: {@code ok} once the command is durable (VALUE is the rest of the
 *       line);
 *   <li>{@code del KEY}: {@code ok} once durable;
 *   <li>{@code get KEY}: the value, or {@code (nil)}.
 * </ul>
 *
 * Anything else answers {@code error: ...}. The log runs with {@link SyncPolicy#ALWAYS}: an append
 * returns only after its record is fsynced, so every {@code ok} survives a kill -9 or a power loss.
 * At start the store restores its newest checkpoint and replays what follows (reported on stderr);
 * every new segment begins with a checkpoint, and segments older than the second newest checkpoint
 * are purged, so the directory stays bounded.
 */
public final class KvStore {
  private KvStore() {}

  /** Keep the log bounded: purge once this many segments exist. */
  private static final int PURGE_ABOVE_SEGMENTS = 4;

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: java -jar seglog-kv.jar DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    LogConfig config =
        LogConfig.builder()
            .syncPolicy(SyncPolicy.ALWAYS)
            .segmentBytes(Integer.getInteger("seglog.kv.segmentBytes", 1 << 20))
            .build();
    KvState state = new KvState();
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    try (StateMachineLog log = StateMachineLog.open(dir, config, state)) {
      ReplayReport r = log.replayReport();
      System.err.println(
          "seglog-kv: "
              + state.size()
              + " keys; restored "
              + (r.checkpoint() == null ? "no checkpoint" : "checkpoint @" + r.checkpoint().index())
              + ", replayed "
              + r.recordsReplayed()
              + " records");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        out.println(execute(log, state, line));
        out.flush();
        if (log.segments().size() > PURGE_ABOVE_SEGMENTS) {
          purge(log);
        }
      }
    } catch (SeglogException e) {
      System.err.println("seglog-kv: " + e.getMessage());
      System.exit(1);
    }
  }

  /** Runs one command line; returns its answer. */
  static String execute(StateMachineLog log, KvState state, String line) {
    String[] p = line.strip().split(" ", 3);
    switch (p[0]) {
      case "put":
        if (p.length != 3) {
          return "error: usage: put KEY VALUE";
        }
        log.append(KvState.put(p[1], p[2])); // applied to the state, then fsynced: durable
        return "ok";
      case "del":
        if (p.length != 2) {
          return "error: usage: del KEY";
        }
        log.append(KvState.del(p[1]));
        return "ok";
      case "get":
        if (p.length != 2) {
          return "error: usage: get KEY";
        }
        String v = state.get(p[1]);
        return v == null ? "(nil)" : v;
      default:
        return "error: unknown command " + p[0] + " (put, del, get)";
    }
  }

  /** Deletes the segments the second newest checkpoint makes redundant. */
  private static void purge(StateMachineLog log) {
    var cps = log.checkpoints();
    if (cps.size() >= 2) {
      log.purgeTo(cps.get(cps.size() - 2).index());
    }
  }
}
