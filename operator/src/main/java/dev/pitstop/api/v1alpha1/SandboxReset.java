package dev.pitstop.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Empties a sandbox database's user data in one transaction, then reseeds it. */
@Group(Pitstop.GROUP)
@Version(Pitstop.VERSION)
@ShortNames("sbr")
@Categories(Pitstop.CATEGORY)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Table", jsonPath = ".status.progress.table")
@AdditionalPrinterColumn(name = "Last", jsonPath = ".status.lastRun.result")
@AdditionalPrinterColumn(
    name = "Rows",
    jsonPath = ".status.lastRun.rowsDeleted",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextRunTime")
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class SandboxReset extends CustomResource<SandboxResetSpec, SandboxResetStatus>
    implements Namespaced {}
