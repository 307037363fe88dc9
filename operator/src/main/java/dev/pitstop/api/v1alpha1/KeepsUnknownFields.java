package dev.pitstop.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A status object that keeps the fields this operator version does not know and writes them back.
 *
 * <p>A newer operator version whose CRD has more status fields may have written them (during an
 * upgrade, or before a rollback). The operator writes status whole: a status update replaces it,
 * and a server-side apply drops the fields its field manager applied before and omits now. Kept
 * here, such fields go back with every write of either kind, so this version never erases what a
 * newer one recorded. Spec objects do not need this: the operator never writes a spec, and the
 * client it reads with ignores unknown fields (see {@code OperatorClient}).
 *
 * <p>The generated CRDs do not list these fields: the schema is that of the known fields only.
 */
public abstract class KeepsUnknownFields {
  // A field, so that the CRD generator can be told it has no schema (void): the schema lists the
  // known fields only.
  @JsonAnySetter
  @JsonAnyGetter
  @SchemaFrom(type = void.class)
  private final Map<String, Object> unknownFields = new LinkedHashMap<>();

  /** The fields this version does not know, as read; written back with the known ones. */
  public Map<String, Object> unknownFields() {
    return unknownFields;
  }
}
