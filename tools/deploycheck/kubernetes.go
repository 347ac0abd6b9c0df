package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// manifest is one decoded object and where it came from: a file, or a kustomize build.
type manifest struct {
	file   string
	object runtime.Object
}

// source is one YAML stream to decode: a manifest file, or the output of a kustomization.
type source struct {
	name string
	docs [][]byte
}

// checkKubernetes renders each directory's kustomization as `kubectl apply -k` would (kustomize's own library), reads
// each file given as is, decodes every object strictly against the Kubernetes API types (unknown fields, wrong types
// and duplicate fields are errors) and then checks the references between them.
func checkKubernetes(paths []string) int {
	fmt.Printf("Kubernetes API types: k8s.io/api %s; kustomize: sigs.k8s.io/kustomize/api %s\n",
		moduleVersion("k8s.io/api"), moduleVersion("sigs.k8s.io/kustomize/api"))
	problems := 0
	decoder := strictDecoder()
	var manifests []manifest
	for _, path := range paths {
		input, err := readSource(path)
		if err != nil {
			fmt.Printf("problem: %s: %s\n", path, oneLine(err))
			problems++
			continue
		}
		found, sourceProblems := decodeSource(decoder, input)
		manifests = append(manifests, found...)
		problems += sourceProblems
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

func readSource(path string) (source, error) {
	info, err := os.Stat(path)
	if err != nil {
		return source{}, err
	}
	if info.IsDir() {
		docs, err := renderKustomization(path)
		return source{name: "kustomize build " + path, docs: docs}, err
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return source{}, err
	}
	docs, err := splitDocuments(text)
	return source{name: path, docs: docs}, err
}

// renderKustomization builds a kustomization directory with kustomize's defaults, as `kubectl apply -k` does: its
// resources, generators, patches and image overrides applied, one document per object.
func renderKustomization(dir string) ([][]byte, error) {
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize: %w", err)
	}
	var docs [][]byte
	for _, resource := range resources.Resources() {
		doc, err := resource.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("kustomize: %s: %w", resource.CurId(), err)
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return nil, errors.New("kustomize: the kustomization yields no objects")
	}
	return docs, nil
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

// splitDocuments splits a YAML stream at its `---` lines, leaving out documents of comments only.
func splitDocuments(text []byte) ([][]byte, error) {
	reader := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(text)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		if !isEmptyDocument(doc) {
			docs = append(docs, doc)
		}
	}
}

func decodeSource(decoder runtime.Decoder, input source) ([]manifest, int) {
	var found []manifest
	problems := 0
	for index, doc := range input.docs {
		object, kind, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			what := "document " + fmt.Sprint(index+1)
			if kind != nil {
				what = kind.GroupVersion().String() + " " + kind.Kind
			}
			if object != nil {
				what += " " + nameOf(object)
			}
			fmt.Printf("problem: %s: %s: %s\n", input.name, what, oneLine(err))
			problems++
			// A strict error still decodes the object: keep it, so its references are checked and the objects that
			// point at it are not reported as well.
			if !runtime.IsStrictDecodingError(err) || object == nil {
				continue
			}
		}
		found = append(found, manifest{file: input.name, object: object})
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
