package io.seglog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code seglog} launcher script at the repository root. */
class LauncherIT {
  @TempDir Path tmp;

  private static Map<String, String> env() {
    return Map.of("JAVA_HOME", Processes.JAVA_HOME.toString());
  }

  @Test
  void runsTheJarFromAnotherWorkingDirectory() throws Exception {
    Path cwd = Files.createDirectory(tmp.resolve("elsewhere"));
    Processes.Result version =
        Processes.run(List.of(Processes.LAUNCHER.toString(), "--version"), cwd, new byte[0], env());
    assertThat(version.exitCode()).as("%s", version).isZero();
    assertThat(version.stdout()).startsWith("seglog ");

    // A relative DIR is relative to the caller's directory, not the script's.
    Processes.Result append =
        Processes.run(
            List.of(Processes.LAUNCHER.toString(), "append", "rel/log"),
            cwd,
            "a\nb\n".getBytes(StandardCharsets.US_ASCII),
            env());
    assertThat(append.exitCode()).as("%s", append).isZero();
    assertThat(append.stdoutLines()).containsExactly("1", "2");
    assertThat(cwd.resolve("rel/log")).isDirectory();

    Processes.Result usage =
        Processes.run(List.of(Processes.LAUNCHER.toString(), "read"), cwd, new byte[0], env());
    Processes.assertOneLineFailure(usage, 2);
  }

  @Test
  void followsSymlinksToFindTheJar() throws Exception {
    Path link = Files.createSymbolicLink(tmp.resolve("bin-seglog"), Processes.LAUNCHER);
    Path chained = Files.createSymbolicLink(tmp.resolve("again"), Path.of("bin-seglog"));
    for (Path launcher : List.of(link, chained)) {
      Processes.Result r =
          Processes.run(List.of(launcher.toString(), "--version"), tmp, new byte[0], env());
      assertThat(r.exitCode()).as("%s", r).isZero();
      assertThat(r.stdout()).startsWith("seglog ");
    }
  }

  @Test
  void passesSeglogJavaOptsToTheJvm() throws Exception {
    Map<String, String> env =
        Map.of(
            "JAVA_HOME",
            Processes.JAVA_HOME.toString(),
            "SEGLOG_JAVA_OPTS",
            "-Dseglog.probe=on  -XshowSettings:properties");
    Processes.Result r =
        Processes.run(List.of(Processes.LAUNCHER.toString(), "--version"), tmp, new byte[0], env);
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.stderr()).contains("seglog.probe = on");
  }

  @Test
  void aMissingJarExitsTwoTellingHowToBuild() throws Exception {
    Path repo = Files.createDirectory(tmp.resolve("checkout"));
    Path script = Files.copy(Processes.LAUNCHER, repo.resolve("seglog"));
    Processes.Result r =
        Processes.run(List.of(script.toString(), "--version"), tmp, new byte[0], env());
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.stderrLines()).singleElement().asString().contains("mvn -B -DskipTests package");
    assertThat(r.stdout()).isEmpty();
  }

  @Test
  void aJavaHomeWithoutJavaExitsTwo() throws Exception {
    Processes.Result r =
        Processes.run(
            List.of(Processes.LAUNCHER.toString(), "--version"),
            tmp,
            new byte[0],
            Map.of("JAVA_HOME", tmp.resolve("no-jdk").toString()));
    assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
    assertThat(r.stderrLines()).singleElement().asString().contains("JAVA_HOME");
  }
}
