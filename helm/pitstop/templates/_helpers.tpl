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
{{- $permissions := $root.Files.Get "files/permissions.yaml" | fromYaml }}
{{- range $permissions.rules }}
{{- if and (eq .scope $scope) (or (not .when) (and (eq .when "leaderElection") $root.Values.leaderElection.enabled)) }}
- apiGroups: [{{ .apiGroup | quote }}]
  resources: {{ toJson .resources }}
  verbs: {{ toJson .verbs }}
{{- end }}
{{- end }}
{{- end }}

{{/* Refuses values that would run two operators at once. */}}
{{- define "pitstop.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without a Lease every replica would run the same database work" }}
{{- end }}
{{- end }}
