package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize's Kustomization this check reads: the list of resources. Any other field
// (generators, patches, images, ...) is refused rather than ignored, since the objects checked would then differ from
// the ones `kubectl apply -k` creates.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// manifest is one decoded object and the file it came from.
type manifest struct {
	file   string
	object runtime.Object
}

// checkKubernetes decodes every object strictly against the Kubernetes API types (unknown fields, wrong types and
// duplicate fields are errors) and then checks the references between them.
func checkKubernetes(paths []string) int {
	fmt.Printf("Kubernetes API types: k8s.io/api %s\n", moduleVersion("k8s.io/api"))
	files, problems := manifestFiles(paths)

	decoder := strictDecoder()
	var manifests []manifest
	for _, file := range files {
		found, fileProblems := decodeFile(decoder, file)
		manifests = append(manifests, found...)
		problems += fileProblems
	}
	for _, m := range manifests {
		fmt.Printf("object %s %s (%s)\n", describeKind(m.object), nameOf(m.object), m.file)
	}
	for _, problem := range checkReferences(manifests) {
		fmt.Printf("problem: %s\n", problem)
		problems++
	}
	return problems
}

// manifestFiles expands a directory into the resources its kustomization.yaml lists.
func manifestFiles(paths []string) ([]string, int) {
	var files []string
	problems := 0
	for _, path := range paths {
		info, err := os.Stat(path)
		if err != nil {
			fmt.Printf("problem: %v\n", err)
			problems++
			continue
		}
		if !info.IsDir() {
			files = append(files, path)
			continue
		}
		listPath := filepath.Join(path, "kustomization.yaml")
		text, err := os.ReadFile(listPath)
		if err != nil {
			fmt.Printf("problem: %v\n", err)
			problems++
			continue
		}
		var list kustomization
		if err := yaml.UnmarshalStrict(text, &list); err != nil {
			fmt.Printf("problem: %s: %s (this check reads apiVersion, kind and resources only)\n", listPath, oneLine(err))
			problems++
			continue
		}
		if list.APIVersion != "kustomize.config.k8s.io/v1beta1" || list.Kind != "Kustomization" {
			fmt.Printf("problem: %s: not a kustomize.config.k8s.io/v1beta1 Kustomization\n", listPath)
			problems++
		}
		if len(list.Resources) == 0 {
			fmt.Printf("problem: %s: lists no resources\n", listPath)
			problems++
		}
		for _, resource := range list.Resources {
			files = append(files, filepath.Join(path, resource))
		}
	}
	return files, problems
}

// strictDecoder knows the API groups the manifests use; an object of any other kind is reported, not skipped.
func strictDecoder() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}

func decodeFile(decoder runtime.Decoder, file string) ([]manifest, int) {
	text, err := os.ReadFile(file)
	if err != nil {
		fmt.Printf("problem: %v\n", err)
		return nil, 1
	}
	reader := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(text)))
	var found []manifest
	problems := 0
	for index := 1; ; index++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Printf("problem: %s: document %d: %s\n", file, index, oneLine(err))
			return found, problems + 1
		}
		if isEmptyDocument(doc) {
			continue
		}
		object, kind, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			what := "document " + fmt.Sprint(index)
			if kind != nil {
				what = kind.GroupVersion().String() + " " + kind.Kind
			}
			if object != nil {
				what += " " + nameOf(object)
			}
			fmt.Printf("problem: %s: %s: %s\n", file, what, oneLine(err))
			problems++
			// A strict error still decodes the object: keep it, so its references are checked and the objects that
			// point at it are not reported as well.
			if !runtime.IsStrictDecodingError(err) || object == nil {
				continue
			}
		}
		found = append(found, manifest{file: file, object: object})
	}
	return found, problems
}

// isEmptyDocument is true for a document of comments and blank lines only (e.g. after a leading `---`).
func isEmptyDocument(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") && trimmed != "---" {
			return false
		}
	}
	return true
}
