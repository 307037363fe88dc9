package dev.pitstop.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Drains an application before risky work and restores it exactly afterwards. */
@Group(Pitstop.GROUP)
@Version(Pitstop.VERSION)
@ShortNames("mw")
@Categories(Pitstop.CATEGORY)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".status.mode")
@AdditionalPrinterColumn(name = "Holders", jsonPath = ".status.holders")
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextWindowStart")
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class MaintenanceWindow
    extends CustomResource<MaintenanceWindowSpec, MaintenanceWindowStatus> implements Namespaced {}
