package dev.pitstop.rbac;

import dev.pitstop.testing.PostgresExtension;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Drives the real operator through part of a kind's lifecycle, for {@link OperatorPermissionsIT} to
 * record the API requests the operator makes meanwhile. A scenario applies objects with the test's
 * own client (its requests are not counted) and returns once the operator has settled them.
 */
interface PermissionScenario {
  /** The namespace scenarios work in. */
  String NAMESPACE = "default";

  /** What the scenario exercises, for failure messages. */
  String name();

  /** Runs the scenario; throws if the operator does not reach the expected state. */
  void run(Run run) throws Exception;

  /**
   * What a scenario works with.
   *
   * @param client the test's client (not recorded)
   * @param pg a fresh database
   * @param operator restarts the operator against the same API server
   */
  record Run(KubernetesClient client, PostgresExtension pg, Restart operator) {}

  /** Restarts the operator, as a rollout would. */
  interface Restart {
    void restart();
  }
}
