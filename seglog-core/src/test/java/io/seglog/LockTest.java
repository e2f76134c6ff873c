package io.seglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seglog.testing.OpenLogMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory lock: one open log per directory, across processes and within one. */
class LockTest {
  @TempDir Path dir;

  /** The child's exit code and its one line of output. */
  record Child(int exitCode, String output) {}

  static Child runChild(Path logDir, String action) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    OpenLogMain.class.getName(),
                    logDir.toString(),
                    action))
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    // Waiting for the child to exit is the synchronization; the bound only stops a hung build.
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("child JVM did not exit");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return new Child(p.exitValue(), out);
  }

  @Test
  void anotherProcessCannotOpenALogThisProcessHoldsAndCanOnceItIsClosed() throws Exception {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.ALWAYS).build();
    try (Log log = Log.open(dir, config)) {
      log.append(new byte[] {7});
      Child child = runChild(dir, "append");
      assertThat(child.output()).as("child output").startsWith("LOCKED ");
      assertThat(child.output()).contains("locked by another process");
      assertThat(child.exitCode()).isEqualTo(3);
      // the refused opener changed nothing
      assertThat(log.append(new byte[] {8})).isEqualTo(2);
    }
    Child child = runChild(dir, "append");
    assertThat(child.output()).as("child output").isEqualTo("OPENED 3");
    assertThat(child.exitCode()).isZero();
    try (Log log = Log.open(dir, LogConfig.defaults())) {
      assertThat(log.lastIndex()).isEqualTo(3);
      assertThat(log.read(3).payloadBytes()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void theLockDiesWithItsProcess() throws Exception {
    // The child opens, appends and exits without anything left behind: no stale lock.
    Child first = runChild(dir, "append");
    assertThat(first.output()).isEqualTo("OPENED 1");
    try (Log log = Log.open(dir, LogConfig.defaults())) {
      assertThat(log.lastIndex()).isEqualTo(1);
    }
  }

  @Test
  void aSecondOpenInTheSameProcessIsRefusedAndDoesNotBreakTheFirst() {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log log = Log.open(dir, config)) {
      log.append(new byte[] {1});
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> Log.open(dir, config))
            .isInstanceOf(LogLockedException.class)
            .hasMessageContaining("locked by another process");
      }
      // The refused opener must not have released the holder's lock.
      assertThatThrownBy(() -> Log.open(dir, config)).isInstanceOf(LogLockedException.class);
      assertThat(log.append(new byte[] {2})).isEqualTo(2);
      assertThat(log.read(1).payloadBytes()).containsExactly(1);
    }
    try (Log log = Log.open(dir, config)) {
      assertThat(log.lastIndex()).isEqualTo(2);
    }
  }

  @Test
  void aReadOnlyOpenTakesNoLock() {
    LogConfig config = LogConfig.builder().syncPolicy(SyncPolicy.NONE).build();
    try (Log log = Log.open(dir, config)) {
      log.append(new byte[] {1});
      try (Log ro = Log.openReadOnly(dir, config)) {
        assertThat(ro.lastIndex()).isEqualTo(1);
      }
      assertThat(log.append(new byte[] {2})).isEqualTo(2);
    }
  }

  @Test
  void closingReleasesTheLockAndEveryOperationThenThrowsClosed() {
    Log log = Log.open(dir, LogConfig.defaults());
    log.append(new byte[] {1});
    log.close();
    log.close(); // idempotent
    assertThatThrownBy(() -> log.append(new byte[] {2})).isInstanceOf(LogClosedException.class);
    assertThatThrownBy(() -> log.read(1)).isInstanceOf(LogClosedException.class);
    assertThatThrownBy(log::sync).isInstanceOf(LogClosedException.class);
    try (Log again = Log.open(dir, LogConfig.defaults())) {
      assertThat(again.lastIndex()).isEqualTo(1);
    }
  }
}
