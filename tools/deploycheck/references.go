package main

import (
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// A strict decode proves each object has the API's shape; these checks cover what an API server or the kubelet would
// only find later, between objects: a selector that matches no pod, a volume or port name that does not exist, a
// ConfigMap or key that is not there. Secrets are expected to be created outside the manifests (their values are not
// in the repository), so a reference to an absent Secret is listed, not reported.
func checkReferences(manifests []manifest) []string {
	var problems []string
	report := func(m manifest, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s %s: %s", m.file, describeKind(m.object), nameOf(m.object), fmt.Sprintf(format, args...)))
	}

	configMaps := map[string]*corev1.ConfigMap{}
	services := map[string]*corev1.Service{}
	seen := map[string]bool{}
	var podLabels []labels.Set
	// The named container ports of each pod template, by the index of its labels in podLabels.
	var podPorts []map[string]bool
	addTemplate := func(template *corev1.PodTemplateSpec) {
		podLabels = append(podLabels, template.Labels)
		ports := map[string]bool{}
		for _, container := range template.Spec.Containers {
			for _, port := range container.Ports {
				ports[port.Name] = true
			}
		}
		podPorts = append(podPorts, ports)
	}
	for _, m := range manifests {
		key := describeKind(m.object) + "/" + nameOf(m.object)
		if seen[key] {
			report(m, "defined twice")
		}
		seen[key] = true
		for _, message := range validation.IsDNS1123Subdomain(nameOf(m.object)) {
			report(m, "name: %s", message)
		}
		switch object := m.object.(type) {
		case *corev1.ConfigMap:
			configMaps[object.Name] = object
		case *corev1.Service:
			services[object.Name] = object
		case *appsv1.StatefulSet:
			addTemplate(&object.Spec.Template)
		case *appsv1.Deployment:
			addTemplate(&object.Spec.Template)
		case *batchv1.Job:
			addTemplate(&object.Spec.Template)
		}
	}

	externalSecrets := map[string]bool{}
	for _, m := range manifests {
		switch object := m.object.(type) {
		case *appsv1.StatefulSet:
			spec := object.Spec
			if !selects(spec.Selector, spec.Template.Labels) {
				report(m, "spec.selector does not match the pod template's labels")
			}
			if service, ok := services[spec.ServiceName]; !ok {
				report(m, "spec.serviceName %q names no Service here", spec.ServiceName)
			} else if service.Spec.ClusterIP != corev1.ClusterIPNone {
				report(m, "spec.serviceName %q is not a headless Service (clusterIP: None)", spec.ServiceName)
			}
			claims := map[string]bool{}
			for _, claim := range spec.VolumeClaimTemplates {
				claims[claim.Name] = true
			}
			for _, p := range checkPodSpec(&spec.Template.Spec, claims, configMaps, externalSecrets) {
				report(m, "%s", p)
			}
		case *appsv1.Deployment:
			if !selects(object.Spec.Selector, object.Spec.Template.Labels) {
				report(m, "spec.selector does not match the pod template's labels")
			}
			for _, p := range checkPodSpec(&object.Spec.Template.Spec, nil, configMaps, externalSecrets) {
				report(m, "%s", p)
			}
		case *batchv1.Job:
			for _, p := range checkPodSpec(&object.Spec.Template.Spec, nil, configMaps, externalSecrets) {
				report(m, "%s", p)
			}
		case *corev1.Service:
			selector := &metav1.LabelSelector{MatchLabels: object.Spec.Selector}
			if !selectsAny(selector, podLabels) {
				report(m, "spec.selector matches no pod template here")
				continue
			}
			for _, port := range object.Spec.Ports {
				if port.TargetPort.Type != intstr.String {
					continue
				}
				named := false
				for i, set := range podLabels {
					named = named || (selects(selector, set) && podPorts[i][port.TargetPort.StrVal])
				}
				if !named {
					report(m, "port %s: targetPort %s is not a named container port of the pods it selects", port.Name, port.TargetPort.StrVal)
				}
			}
		case *policyv1.PodDisruptionBudget:
			if !selectsAny(object.Spec.Selector, podLabels) {
				report(m, "spec.selector matches no pod template here")
			}
		}
	}

	names := make([]string, 0, len(externalSecrets))
	for name := range externalSecrets {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("expects Secret %s (created outside these manifests)\n", name)
	}
	return problems
}

// checkPodSpec checks the names a pod's containers use: volumes, ConfigMaps and their keys, probe ports.
func checkPodSpec(spec *corev1.PodSpec, claims map[string]bool, configMaps map[string]*corev1.ConfigMap, externalSecrets map[string]bool) []string {
	var problems []string
	volumes := map[string]bool{}
	for name := range claims {
		volumes[name] = true
	}
	for _, volume := range spec.Volumes {
		volumes[volume.Name] = true
		if volume.ConfigMap != nil && !isOptional(volume.ConfigMap.Optional) && configMaps[volume.ConfigMap.Name] == nil {
			problems = append(problems, fmt.Sprintf("volume %s: ConfigMap %s is not defined here", volume.Name, volume.ConfigMap.Name))
		}
		if volume.Secret != nil {
			externalSecrets[volume.Secret.SecretName] = true
		}
	}
	containers := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, container := range containers {
		where := "container " + container.Name
		for _, mount := range container.VolumeMounts {
			if !volumes[mount.Name] {
				problems = append(problems, fmt.Sprintf("%s: volumeMount %s names no volume or volumeClaimTemplate", where, mount.Name))
			}
		}
		for _, source := range container.EnvFrom {
			if ref := source.ConfigMapRef; ref != nil && !isOptional(ref.Optional) && configMaps[ref.Name] == nil {
				problems = append(problems, fmt.Sprintf("%s: envFrom ConfigMap %s is not defined here", where, ref.Name))
			}
			if ref := source.SecretRef; ref != nil {
				externalSecrets[ref.Name] = true
			}
		}
		for _, variable := range container.Env {
			if variable.ValueFrom == nil {
				continue
			}
			if ref := variable.ValueFrom.ConfigMapKeyRef; ref != nil && !isOptional(ref.Optional) {
				if configMap := configMaps[ref.Name]; configMap == nil {
					problems = append(problems, fmt.Sprintf("%s: env %s: ConfigMap %s is not defined here", where, variable.Name, ref.Name))
				} else if _, ok := configMap.Data[ref.Key]; !ok {
					problems = append(problems, fmt.Sprintf("%s: env %s: ConfigMap %s has no key %s", where, variable.Name, ref.Name, ref.Key))
				}
			}
			if ref := variable.ValueFrom.SecretKeyRef; ref != nil {
				externalSecrets[ref.Name] = true
			}
		}
		ports := map[string]bool{}
		for _, port := range container.Ports {
			ports[port.Name] = true
		}
		for kind, probe := range map[string]*corev1.Probe{"startupProbe": container.StartupProbe, "livenessProbe": container.LivenessProbe, "readinessProbe": container.ReadinessProbe} {
			if probe == nil || probe.HTTPGet == nil {
				continue
			}
			if port := probe.HTTPGet.Port; port.Type == intstr.String && !ports[port.StrVal] {
				problems = append(problems, fmt.Sprintf("%s: %s port %s is not a named container port", where, kind, port.StrVal))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func isOptional(optional *bool) bool { return optional != nil && *optional }

func selects(selector *metav1.LabelSelector, podLabels map[string]string) bool {
	parsed, err := metav1.LabelSelectorAsSelector(selector)
	return err == nil && selector != nil && !parsed.Empty() && parsed.Matches(labels.Set(podLabels))
}

func selectsAny(selector *metav1.LabelSelector, podLabels []labels.Set) bool {
	for _, set := range podLabels {
		if selects(selector, set) {
			return true
		}
	}
	return false
}

func describeKind(object runtime.Object) string {
	kind := object.GetObjectKind().GroupVersionKind()
	return kind.GroupVersion().String() + " " + kind.Kind
}

func nameOf(object runtime.Object) string {
	if accessor, ok := object.(metav1.Object); ok {
		return accessor.GetName()
	}
	return ""
}
