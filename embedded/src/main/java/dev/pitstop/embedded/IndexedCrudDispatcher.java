package dev.pitstop.embedded;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * fabric8's CRUD dispatcher, except that a create, update, patch or status write finds the stored
 * object through an index by name instead of testing every stored object. fabric8 tests them all
 * (and each test is a linear search of the object's attributes), which makes every write cost time
 * proportional to the number of objects stored, Events included: with a few thousand objects this
 * scan was most of the API server's CPU time.
 *
 * <p>The index is kept next to fabric8's own map in {@link #processEvent}, computing each new key
 * as fabric8 does. Every new key is checked against fabric8's map; if one is ever missing (a
 * fabric8 version that keys objects differently), the index is dropped and every lookup scans as
 * before. All callers of {@link #findResource} and {@link #processEvent} hold fabric8's write lock.
 *
 * <p>Each new state of an object (Events excepted) gets its {@code metadata.managedFields} there
 * too, from the write being dispatched ({@link ManagedFields}).
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private final Map<Attribute, Set<AttributeSet>> byName = new ConcurrentHashMap<>();
  private volatile boolean indexed = true;
  private final LongAdder scans = new LongAdder();

  /** The write being dispatched on this thread, for {@link ManagedFields}. */
  private final ThreadLocal<RecordedRequest> writing = new ThreadLocal<>();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    RecordedRequest outer = writing.get();
    writing.set(request);
    try {
      return super.dispatch(request);
    } finally {
      if (outer == null) {
        writing.remove();
      } else {
        writing.set(outer);
      }
    }
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    Attribute name = attributes.getAttribute(KubernetesAttributesExtractor.NAME);
    if (!indexed || name == null || name.getType() != AttributeType.WITH) {
      return scan(attributes);
    }
    Map.Entry<AttributeSet, String> found = null;
    for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
      if (key.matches(attributes)) {
        if (found != null) {
          // Several match: fabric8 returns the first in its map's order.
          return scan(attributes);
        }
        found = Map.entry(key, map.get(key));
      }
    }
    return found;
  }

  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    if (newState != null && !path.contains("/events")) {
      newState =
          ManagedFields.track(
              writing.get(), oldAttributes == null ? null : map.get(oldAttributes), newState);
    }
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (!indexed) {
      return;
    }
    if (oldAttributes != null) {
      Attribute name = oldAttributes.getAttribute(KubernetesAttributesExtractor.NAME);
      if (name != null) {
        byName.computeIfPresent(
            name, (n, keys) -> keys.remove(oldAttributes) && keys.isEmpty() ? null : keys);
      }
    }
    if (newState != null) {
      AttributeSet newAttributes = keyOf(pathAttributes, resource, newState);
      if (!map.containsKey(newAttributes)) {
        indexed = false;
        byName.clear();
        return;
      }
      Attribute name = newAttributes.getAttribute(KubernetesAttributesExtractor.NAME);
      if (name != null) {
        byName.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(newAttributes);
      }
    }
  }

  private Map.Entry<AttributeSet, String> scan(AttributeSet attributes) {
    scans.increment();
    return super.findResource(attributes);
  }

  /** The key fabric8's {@code processEvent} stores a new state under. */
  private AttributeSet keyOf(
      AttributeSet pathAttributes, GenericKubernetesResource resource, String newState) {
    KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
    AttributeSet key =
        resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
    if (!key.containsKey(KubernetesAttributesExtractor.PLURAL)) {
      key = AttributeSet.merge(pathAttributes, key);
    }
    return key;
  }

  @Override
  public void reset() {
    super.reset();
    byName.clear();
    indexed = true;
  }

  /** Whether lookups still use the index (false once a key was computed differently). */
  boolean indexed() {
    return indexed;
  }

  /** How many lookups tested every stored object, as fabric8 does. */
  long scans() {
    return scans.sum();
  }
}
