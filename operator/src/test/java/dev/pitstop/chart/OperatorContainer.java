package dev.pitstop.chart;

import dev.pitstop.operator.OperatorSettings;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The operator container of a rendered Deployment, and what the operator would make of it. */
public record OperatorContainer(Deployment deployment, Container container) {
  /** The operator container of {@code chart}'s Deployment. */
  public static OperatorContainer of(RenderedChart chart) {
    Deployment deployment = chart.deployment();
    List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
    if (containers.size() != 1) {
      throw new AssertionError("expected one container, rendered " + containers.size());
    }
    return new OperatorContainer(deployment, containers.get(0));
  }

  /**
   * The container's environment as the pod would see it: downward-API namespace fields resolve to
   * the release namespace.
   */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      if (var.getValueFrom() != null) {
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        if (!field.equals("metadata.namespace")) {
          throw new AssertionError("unexpected downward API field " + field);
        }
        env.put(var.getName(), deployment.getMetadata().getNamespace());
      } else {
        env.put(var.getName(), var.getValue());
      }
    }
    return env;
  }

  /** The options the command gives the JVM: what comes between {@code java} and {@code -jar}. */
  public List<String> jvmOptions() {
    List<String> command = container.getCommand();
    int jar = command.indexOf("-jar");
    if (command.isEmpty() || !command.get(0).equals("java") || jar < 0) {
      throw new AssertionError("the container does not run java -jar: " + command);
    }
    return List.copyOf(command.subList(1, jar));
  }

  /**
   * The container's memory limit in bytes: what the JVM in the pod sees as its machine's memory.
   */
  public long memoryLimitBytes() {
    Quantity limit = container.getResources().getLimits().get("memory");
    if (limit == null) {
      throw new AssertionError("the container has no memory limit");
    }
    return Quantity.getAmountInBytes(limit).longValueExact();
  }

  /** The settings the operator reads from the rendered command line and environment. */
  OperatorSettings settings() {
    List<String> args = container.getArgs();
    if (args.isEmpty() || !args.get(0).equals("operator")) {
      throw new AssertionError("the container does not run the operator command: " + args);
    }
    return OperatorSettings.parse(args.subList(1, args.size()), environment());
  }
}
