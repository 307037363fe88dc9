{{/* The chart's name, shortened to a valid label value. */}}
{{- define "pitstop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: the prefix of every namespaced object. */}}
{{- define "pitstop.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Cluster-scoped objects carry the release namespace so two releases never collide. */}}
{{- define "pitstop.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "pitstop.fullname" .) }}
{{- end }}

{{/* The leader-election Lease: leaderElection.leaseName, else one of this release's own. */}}
{{- define "pitstop.leaseName" -}}
{{- default (printf "%s-leader" (include "pitstop.fullname" .)) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "pitstop.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pitstop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pitstop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pitstop.labels" -}}
helm.sh/chart: {{ include "pitstop.chart" . }}
{{ include "pitstop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: pitstop
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "pitstop.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pitstop.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pitstop.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The rules of files/permissions.yaml for one scope, as RBAC rules; empty when none apply.
Call with (dict "root" $ "scope" "watched").
*/}}
{{- define "pitstop.rules" -}}
{{- $root := .root }}
{{- $scope := .scope }}
{{- $enabled := splitList "," (include "pitstop.kinds" $root) }}
{{- $permissions := $root.Files.Get "files/permissions.yaml" | fromYaml }}
{{- range $permissions.rules }}
{{- $forEnabledKind := not .kinds }}
{{- range .kinds }}{{ if has . $enabled }}{{ $forEnabledKind = true }}{{ end }}{{ end }}
{{- if and (eq .scope $scope) $forEnabledKind (or (not .when) (and (eq .when "leaderElection") $root.Values.leaderElection.enabled)) }}
{{- $resources := .resources }}
{{- if .resourcesPerKind }}
{{- $resources = list }}
{{- range .resources }}{{ if has (first (splitList "/" .)) $enabled }}{{ $resources = append $resources . }}{{ end }}{{ end }}
{{- end }}
{{- if $resources }}
- apiGroups: [{{ .apiGroup | quote }}]
  resources: {{ toJson $resources }}
  verbs: {{ toJson .verbs }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The kinds this release reconciles, as the operator's --kinds takes them. */}}
{{- define "pitstop.kinds" -}}
{{- $kinds := list }}
{{- if .Values.kinds.databaseMigrations }}{{ $kinds = append $kinds "databasemigrations" }}{{ end }}
{{- if .Values.kinds.sandboxResets }}{{ $kinds = append $kinds "sandboxresets" }}{{ end }}
{{- if .Values.kinds.cleanupSchedules }}{{ $kinds = append $kinds "cleanupschedules" }}{{ end }}
{{- if .Values.kinds.maintenanceWindows }}{{ $kinds = append $kinds "maintenancewindows" }}{{ end }}
{{- join "," $kinds }}
{{- end }}

{{/* Refuses values that would run two operators at once, or a JVM that would not start. */}}
{{- define "pitstop.validate" -}}
{{- if not (include "pitstop.kinds" .) }}
{{- fail "kinds: switch at least one kind on; a release that reconciles nothing has nothing to do" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without a Lease every replica would run the same database work" }}
{{- end }}
{{- range .Values.jvm.extraOptions }}
{{- if and $.Values.jvm.gc (regexMatch "^-XX:\\+Use[A-Za-z0-9]+GC$" .) }}
{{- fail (printf "jvm.extraOptions: %s selects a garbage collector, which jvm.gc (%s) already does, and the JVM does not start with two; set jvm.gc instead, or set it to \"\" to keep the option" . $.Values.jvm.gc) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The top-level metadata line of a CRD file with the chart's labels and annotations added. */}}
{{- define "pitstop.crdMetadata" -}}
{{ printf "\nmetadata:\n" }}
{{- if .Values.crds.keep }}
  annotations:
    helm.sh/resource-policy: keep
{{- end }}
  labels:
{{- include "pitstop.labels" . | nindent 4 }}
{{ end }}
