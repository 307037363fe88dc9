package dev.pitstop.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Deletes expired and orphaned rows on a cron schedule, in batches. */
@Group(Pitstop.GROUP)
@Version(Pitstop.VERSION)
@ShortNames("cls")
@Categories(Pitstop.CATEGORY)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule")
@AdditionalPrinterColumn(name = "Last", jsonPath = ".status.lastRun.result")
@AdditionalPrinterColumn(
    name = "Deleted",
    jsonPath = ".status.lastRun.rowsDeleted",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextRunTime")
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", priority = 1)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class CleanupSchedule extends CustomResource<CleanupScheduleSpec, CleanupScheduleStatus>
    implements Namespaced {}
