package dev.pitstop.cli;

import io.fabric8.kubernetes.client.CustomResource;

/**
 * Executes one Pitstop kind once, locally, for {@code pitstop run -f MANIFEST.yaml}: the same
 * engine the reconciler uses, progress printed as it goes, the final status returned so the command
 * can print it as YAML.
 *
 * @param <R> the custom resource type
 */
public interface LocalRunner<R extends CustomResource<?, ?>> {
  /** The resource class this runner executes. */
  Class<R> type();

  /**
   * Runs {@code resource} once and fills in its status.
   *
   * @return {@link Command#OK} when it reached its expected phase, {@link Command#FAILED} when the
   *     operation failed; throw {@link UsageException} for bad input
   */
  int run(R resource, LocalContext context) throws Exception;
}
