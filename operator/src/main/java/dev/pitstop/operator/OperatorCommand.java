package dev.pitstop.operator;

import dev.pitstop.cli.Cli;
import dev.pitstop.cli.Command;
import dev.pitstop.logging.JsonLines;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code pitstop operator}: run against the current kube context, or in-cluster in a pod. */
public final class OperatorCommand implements Command {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorCommand.class);

  @Override
  public String summary() {
    return "run the operator against the current kube context (in-cluster config in a pod)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    OperatorSettings settings = OperatorSettings.parse(args, env);
    if (settings.logFormat().equals("json")) {
      JsonLines.install();
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    PitstopOperator operator = PitstopOperator.start(client, settings, true, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // SIGTERM: stop reconciling, let running work finish, close pools and client.
                  try {
                    operator.close();
                    client.close();
                    LOG.info("Pitstop operator stopped");
                  } finally {
                    stopped.countDown();
                  }
                },
                "pitstop-shutdown"));
    try {
      // Runs until SIGTERM; the JVM exits once the shutdown hook has finished.
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Cli.KEEP_RUNNING;
  }
}
