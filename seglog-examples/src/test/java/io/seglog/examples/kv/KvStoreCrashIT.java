package io.seglog.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs seglog-kv.jar as a child process, kills it (destroyForcibly, a SIGKILL) at seeded random
 * moments while it takes commands, restarts it and checks that every acknowledged put and del is
 * there: the store holds the state after some prefix of the commands sent that includes every
 * acknowledged one (commands are applied in order, and what survives a kill is a prefix).
 */
class KvStoreCrashIT {
  @TempDir Path tmp;

  private static final int SCALE = Integer.getInteger("seglog.test.scale", 1);
  private static final int KEYS = 25;

  private static Process start(Path dir) throws IOException {
    String jar = System.getProperty("seglog.kv.jar", "target/seglog-kv.jar");
    assertThat(Path.of(jar)).as("built by package").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Dseglog.kv.segmentBytes=16384", "-jar", jar, dir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /** The store's answer to {@code get} for every key, read after a restart. */
  private static Map<String, String> readAll(Path dir) throws Exception {
    Process p = start(dir);
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      // all the gets, then end of input: the store answers them and exits
      try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
        for (int k = 0; k < KEYS; k++) {
          w.write("get k" + k + "\n");
        }
      }
      Map<String, String> state = new HashMap<>();
      for (int k = 0; k < KEYS; k++) {
        String v = r.readLine();
        assertThat(v).as("answer to get k" + k).isNotNull();
        if (!v.equals("(nil)")) {
          state.put("k" + k, v);
        }
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
      return state;
    } finally {
      p.destroyForcibly();
    }
  }

  private static void applyTo(Map<String, String> m, String cmd) {
    String[] p = cmd.split(" ", 3);
    if (p[0].equals("put")) {
      m.put(p[1], p[2]);
    } else {
      m.remove(p[1]);
    }
  }

  @Test
  void everyAcknowledgedCommandSurvivesKillNine() throws Exception {
    Path dir = tmp.resolve("kv");
    Random rnd = new Random(42);
    Map<String, String> base = new HashMap<>(); // the state the store had when the round began
    int rounds = 6 * SCALE;
    long totalAcked = 0;
    for (int round = 0; round < rounds; round++) {
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        String key = "k" + rnd.nextInt(KEYS);
        sent.add(
            rnd.nextInt(6) == 0
                ? "del " + key
                : "put " + key + " r" + round + "-" + i + "-" + "x".repeat(rnd.nextInt(200)));
      }
      long killAfterMillis = 200 + rnd.nextInt(1500); // during start-up, replay or commands
      Process p = start(dir);
      int[] acked = {0};
      Thread writer =
          new Thread(
              () -> {
                try (Writer w =
                    new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
                  for (String cmd : sent) {
                    w.write(cmd + "\n");
                    w.flush();
                  }
                } catch (IOException e) {
                  // killed
                }
              });
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    if (!line.equals("ok")) {
                      throw new AssertionError("unexpected answer " + line);
                    }
                    synchronized (acked) {
                      acked[0]++;
                    }
                  }
                } catch (IOException e) {
                  // killed
                }
              });
      writer.start();
      reader.start();
      Thread.sleep(killAfterMillis);
      p.destroyForcibly();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      writer.join();
      reader.join();
      int ackedCount;
      synchronized (acked) {
        ackedCount = acked[0];
      }
      totalAcked += ackedCount;
      Map<String, String> observed = readAll(dir);
      // Some prefix of the sent commands, at least every acknowledged one, is in the store.
      Map<String, String> model = new HashMap<>(base);
      for (int i = 0; i < ackedCount; i++) {
        applyTo(model, sent.get(i));
      }
      int survived = ackedCount;
      while (!model.equals(observed) && survived < sent.size()) {
        applyTo(model, sent.get(survived++));
      }
      assertThat(observed)
          .as(
              "round "
                  + round
                  + ": the state after "
                  + ackedCount
                  + " acknowledged commands (or a few more, unacknowledged)")
          .isEqualTo(model);
      base = observed;
    }
    assertThat(totalAcked).as("the kills hit a store that was taking commands").isPositive();
    try (var files = Files.list(dir)) {
      assertThat(files.filter(f -> f.toString().endsWith(".seg")).count())
          .as("purging keeps the directory bounded")
          .isLessThanOrEqualTo(6);
    }
  }
}
