package dev.pitstop.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Collection;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Objects a resource references by name in its own namespace (Secrets, ConfigMaps, windows). An
 * informer caches them, so the reconciler reads them without calling the API server, and a change
 * to one of them reconciles every resource that references it.
 *
 * @param <S> the referenced type
 * @param <P> the primary resource type
 */
public final class ReferencedObjects<S extends HasMetadata, P extends HasMetadata> {
  private final Class<S> type;
  private final String name;
  private final Function<P, Collection<String>> referencedNames;

  /**
   * @param type the referenced type
   * @param name the event source's name, unique within the controller
   * @param referencedNames the names a primary references
   */
  public ReferencedObjects(
      Class<S> type, String name, Function<P, Collection<String>> referencedNames) {
    this.type = type;
    this.name = name;
    this.referencedNames = referencedNames;
  }

  /** The informer event source to return from {@code prepareEventSources}. */
  public EventSource<S, P> eventSource(EventSourceContext<P> context) {
    var primaries = context.getPrimaryCache();
    var config =
        InformerEventSourceConfiguration.from(type, context.getPrimaryResourceClass())
            .withName(name)
            .withNamespacesInheritedFromController()
            .withSecondaryToPrimaryMapper(
                (S object) ->
                    primaries
                        .list(
                            object.getMetadata().getNamespace(),
                            p -> referencedNames.apply(p).contains(object.getMetadata().getName()))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .build();
    return new InformerEventSource<>(config, context);
  }

  /** The referenced object {@code objectName} in the primary's namespace, from the cache. */
  public Optional<S> get(Context<P> context, String objectName) {
    @SuppressWarnings("unchecked")
    InformerEventSource<S, P> source =
        (InformerEventSource<S, P>) context.eventSourceRetriever().getEventSourceFor(type, name);
    return source.get(
        new ResourceID(objectName, context.getPrimaryResource().getMetadata().getNamespace()));
  }
}
