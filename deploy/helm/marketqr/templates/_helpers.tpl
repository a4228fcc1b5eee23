{{/*
Shared pieces of every MarketQR workload. Each component's file (merchant-onboarding.yaml …) defines only its own
environment and then renders the same Deployment, Service and PodDisruptionBudget through "marketqr.workload", so
probes, security settings and labels cannot drift between components.
*/}}

{{- define "marketqr.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default "marketqr" .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* <fullname>-<component>; fullname is cut at 50 so the longest component name still fits 63 characters. */}}
{{- define "marketqr.componentName" -}}
{{- printf "%s-%s" (include "marketqr.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "marketqr.selectorLabels" -}}
app.kubernetes.io/name: {{ default "marketqr" .root.Values.nameOverride }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "marketqr.labels" -}}
{{ include "marketqr.selectorLabels" . }}
app.kubernetes.io/part-of: marketqr
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/*
The image of one component: <global.imageRegistry>/<repository>:<tag>[@digest]. The tag is the component's, else the
global one, else the chart's appVersion, so a release always names the build it runs. "latest" (or no tag at all)
fails the render: Kubernetes would not know when it changed, and a rollback could not name the build before.
*/}}
{{- define "marketqr.image" -}}
{{- $root := .root -}}
{{- $image := .image -}}
{{- $tag := toString (default (default $root.Chart.AppVersion $root.Values.image.tag) $image.tag) -}}
{{- if or (eq $tag "") (eq (lower $tag) "latest") -}}
{{- fail (printf "%s: image tag %q is not allowed; pin a version (default: the chart's appVersion)" $image.repository $tag) -}}
{{- end -}}
{{- $repository := $image.repository -}}
{{- with $root.Values.global.imageRegistry -}}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository -}}
{{- end -}}
{{- if $image.digest -}}
{{- printf "%s:%s@%s" $repository $tag $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
One variable from the operator's Secret (secrets.existingSecret). `secret` names the value when the variable is called
otherwise (the bank simulator's BANK_SIM_API_KEY is BANK_API_KEY); secrets.keys maps it to its key in the Secret.
*/}}
{{- define "marketqr.secretEnv" -}}
{{- $secret := default .name .secret -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.existingSecret: name the Secret that holds MarketQR's keys" .root.Values.secrets.existingSecret }}
      key: {{ default $secret (index .root.Values.secrets.keys $secret) }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{- define "marketqr.kafkaName" -}}
{{- default (printf "%s-kafka" (include "marketqr.fullname" .)) .Values.kafka.name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "marketqr.mongodbName" -}}
{{- default (printf "%s-mongodb" (include "marketqr.fullname" .)) .Values.mongodb.name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Each service's own database: marketqr_<service> with underscores, as packages/mongo's defaultDbName names it. */}}
{{- define "marketqr.databaseName" -}}
{{- printf "marketqr_%s" (replace "-" "_" .) -}}
{{- end -}}

{{/* The Secret the MongoDB Community operator writes a service user's connection string into. */}}
{{- define "marketqr.mongodbConnectionSecret" -}}
{{- printf "%s-%s" (include "marketqr.mongodbName" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "marketqr.kafkaBrokers" -}}
{{- if .Values.kafka.enabled -}}
{{- printf "%s-kafka-bootstrap:9092" (include "marketqr.kafkaName" .) -}}
{{- else -}}
{{- required "kafka.external.brokers: with kafka.enabled=false, name the brokers (host:port,…)" .Values.kafka.external.brokers -}}
{{- end -}}
{{- end -}}

{{- define "marketqr.bankBaseUrl" -}}
{{- if .Values.bank.baseUrl -}}
{{- .Values.bank.baseUrl -}}
{{- else if .Values.bankSimulator.enabled -}}
{{- printf "http://%s:%v" (include "marketqr.componentName" (dict "root" . "component" "bank-simulator")) .Values.bankSimulator.port -}}
{{- else -}}
{{- fail "bank.baseUrl: set the partner bank's API URL (or bankSimulator.enabled=true for a demo)" -}}
{{- end -}}
{{- end -}}

{{/*
The settings every one of the five services shares (packages/service-runtime's runtimeConfigShape and auth's
JWT_ALGORITHM). HOST 0.0.0.0: the services listen on 127.0.0.1 by default, which no probe or Service could reach.
*/}}
{{- define "marketqr.serviceEnv" -}}
{{- $root := .root -}}
- name: NODE_ENV
  value: {{ $root.Values.nodeEnv | quote }}
- name: LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: HOST
  value: 0.0.0.0
- name: PORT
  value: {{ .port | quote }}
- name: KAFKA_BROKERS
  value: {{ include "marketqr.kafkaBrokers" $root | quote }}
{{- with $root.Values.kafka.topicPrefix }}
- name: KAFKA_TOPIC_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- if $root.Values.mongodb.enabled }}
- name: MONGO_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "marketqr.mongodbConnectionSecret" (dict "root" $root "component" .component) }}
      key: {{ $root.Values.mongodb.connectionStringKey | quote }}
{{- else }}
{{ include "marketqr.secretEnv" (dict "root" $root "name" "MONGO_URL") }}
{{- end }}
- name: JWT_ALGORITHM
  value: EdDSA
{{- end -}}

{{/*
Deployment, Service and PodDisruptionBudget of one component. Arguments: root, component (its name), values (its
values block), env (the name of the template that renders its environment).
*/}}
{{- define "marketqr.workload" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $name := include "marketqr.componentName" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "marketqr.labels" . | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  revisionHistoryLimit: 5
  # A new pod is ready before an old one goes: the component keeps its full count during a rollout.
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "marketqr.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "marketqr.labels" . | nindent 8 }}
      annotations:
        prometheus.io/port: {{ $v.port | quote }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "marketqr.fullname" $root }}
      # No service talks to the Kubernetes API.
      automountServiceAccountToken: false
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      # preStop (5 s) + the services' own graceful stop (SHUTDOWN_TIMEOUT_MS, 15 s: drain HTTP, commit consumer
      # offsets, let in-flight payouts finish) fit well inside it.
      terminationGracePeriodSeconds: 30
      {{- if $root.Values.topologySpread }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "marketqr.selectorLabels" . | nindent 14 }}
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "marketqr.selectorLabels" . | nindent 14 }}
      {{- end }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "marketqr.image" (dict "root" $root "image" $v.image) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
          env:
            {{- include .env $root | nindent 12 }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          # Ready: what the process needs answers now (a service: Kafka and its database, each within 2 s; the web
          # app: its bundle is built). Not ready takes the pod out of its Service until it recovers by itself; it is
          # never restarted for a dependency outage.
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          # Alive: the process answers HTTP. A hung event loop is restarted.
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 6
          # HTTP starts first, before the database and Kafka (which a service retries until they answer), so
          # /healthz answers within seconds even while its dependencies are still coming up.
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            timeoutSeconds: 3
            failureThreshold: 60
          # Endpoints are removed asynchronously after a pod starts terminating: keep serving a few seconds so no
          # request (a bank's webhook, a vendor's QR) lands on a process that already stopped listening.
          lifecycle:
            preStop:
              exec:
                command: [sleep, '5']
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "marketqr.labels" . | nindent 4 }}
spec:
  type: {{ default "ClusterIP" (($v.service).type) }}
  selector:
    {{- include "marketqr.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $v.port }}
      targetPort: http
      protocol: TCP
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "marketqr.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $root.Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "marketqr.selectorLabels" . | nindent 6 }}
{{- end -}}
