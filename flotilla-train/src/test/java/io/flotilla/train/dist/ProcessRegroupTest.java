package io.flotilla.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.train.TrainListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The launcher's side of regrouping, against {@code cat} processes that echo what they are told. */
class ProcessRegroupTest {

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
    }

    private Process cat() throws IOException {
        Process p = new ProcessBuilder("cat").start();
        started.add(p);
        return p;
    }

    private static String heard(Process p) throws IOException {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void survivorsAreToldTheirNewRanksOnceEveryMemberHasRegisteredOrDied() throws IOException {
        List<Process> workers = new ArrayList<>(List.of(cat(), cat(), cat()));
        ProcessRegroup regroup = new ProcessRegroup(workers, TrainListener.NONE);
        regroup.register(2, 7002);
        regroup.dead(1);
        regroup.register(0, 7000);
        assertThat(heard(workers.get(0))).isEqualTo("REGROUPED 0 127.0.0.1:7000,127.0.0.1:7002");
        assertThat(heard(workers.get(2))).isEqualTo("REGROUPED 1 127.0.0.1:7000,127.0.0.1:7002");
    }

    @Test
    void aJoinerIsAdmittedWithTheMembersThatAskedForIt() throws IOException {
        List<Process> workers = new ArrayList<>(List.of(cat(), cat(), cat()));
        ProcessRegroup regroup = new ProcessRegroup(workers, TrainListener.NONE);
        regroup.dead(2);
        regroup.replace(2, cat());
        regroup.join(2, 7102);
        regroup.pending(0);
        assertThat(heard(workers.get(0))).isEqualTo("PENDING 1");
        regroup.admit(0, 7100);
        regroup.admit(1, 7101);
        String all = "127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102";
        assertThat(heard(workers.get(1))).isEqualTo("REGROUPED 1 " + all);
        assertThat(heard(workers.get(2))).isEqualTo("REGROUPED 2 " + all);
    }

    @Test
    void membersAdmittingWaitForAWorkerThatIsStartingAgain() throws IOException {
        List<Process> workers = new ArrayList<>(List.of(cat(), cat(), cat()));
        ProcessRegroup regroup = new ProcessRegroup(workers, TrainListener.NONE);
        regroup.dead(2);
        regroup.restarting(2);
        regroup.pending(0);
        assertThat(heard(workers.get(0))).isEqualTo("PENDING 1");
        regroup.admit(0, 7400);
        regroup.admit(1, 7401); // no group yet: worker 2 has not joined
        regroup.replace(2, cat());
        regroup.join(2, 7402);
        assertThat(regroup.stillRestarting(2)).isFalse();
        // the first line the members hear names all three: nothing was formed before the JOIN
        String all = "127.0.0.1:7400,127.0.0.1:7401,127.0.0.1:7402";
        assertThat(heard(workers.get(0))).isEqualTo("REGROUPED 0 " + all);
        assertThat(heard(workers.get(2))).isEqualTo("REGROUPED 2 " + all);
    }

    @Test
    void aRestartThatDiesLetsTheMembersGoOnWithoutIt() throws IOException {
        List<Process> workers = new ArrayList<>(List.of(cat(), cat(), cat()));
        ProcessRegroup regroup = new ProcessRegroup(workers, TrainListener.NONE);
        regroup.dead(2);
        regroup.restarting(2);
        regroup.admit(0, 7500);
        regroup.admit(1, 7501);
        regroup.dead(2);
        assertThat(heard(workers.get(1))).isEqualTo("REGROUPED 1 127.0.0.1:7500,127.0.0.1:7501");
    }

    @Test
    void aJoinerIsToldWhenNoMemberIsLeftToAdmitIt() throws IOException {
        List<Process> workers = new ArrayList<>(List.of(cat(), cat(), cat()));
        ProcessRegroup regroup = new ProcessRegroup(workers, TrainListener.NONE);
        regroup.dead(2);
        regroup.replace(2, cat());
        regroup.join(2, 7202);
        regroup.dead(0);
        regroup.dead(1); // the last member ends (fails or finishes): nobody will ask PENDING? again
        assertThat(heard(workers.get(2))).startsWith("ABORTED no worker of the group is left");
    }

    @Test
    void aJoinerArrivingAfterEveryMemberEndedIsToldAtOnce() throws IOException {
        List<Process> workers = new ArrayList<>(List.of(cat(), cat(), cat()));
        ProcessRegroup regroup = new ProcessRegroup(workers, TrainListener.NONE);
        regroup.dead(2);
        regroup.dead(0);
        regroup.dead(1);
        regroup.replace(2, cat());
        regroup.join(2, 7302);
        assertThat(heard(workers.get(2))).startsWith("ABORTED");
    }
}
