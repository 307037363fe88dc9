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
   * @param conflicts makes the API server refuse a write with a conflict
   */
  record Run(
      KubernetesClient client, PostgresExtension pg, Restart operator, Conflicts conflicts) {}

  /** Restarts the operator, as a rollout would. */
  interface Restart {
    void restart();
  }

  /**
   * Conflicts on demand. An API server reports one when another client changed the object between
   * the operator's read and its write; a scenario cannot time such a change, so it tells the mock
   * API server to answer that way instead.
   */
  interface Conflicts {
    /**
     * The next PATCH of {@code path} (e.g. {@code
     * /apis/pitstop.dev/v1alpha1/namespaces/default/maintenancewindows/nightly}) is answered with
     * 409 Conflict; later ones are handled as usual.
     */
    void nextPatch(String path);
  }
}
