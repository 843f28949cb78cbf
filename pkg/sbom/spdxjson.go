package sbom

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// spdxWritable says whether writeSPDXJSON covers every field set in doc;
// other documents go through tools-golang's encoder.
func spdxWritable(doc *spdx.Document) bool {
	top := *doc
	top.SPDXVersion, top.DataLicense, top.SPDXIdentifier, top.DocumentName, top.DocumentNamespace = "", "", "", "", ""
	top.CreationInfo, top.Packages, top.OtherLicenses, top.Relationships, top.Reviews = nil, nil, nil, nil, nil
	if !reflect.ValueOf(top).IsZero() || doc.CreationInfo == nil {
		return false
	}
	ci := *doc.CreationInfo
	ci.Creators, ci.Created = nil, ""
	if !reflect.ValueOf(ci).IsZero() {
		return false
	}
	for _, p := range doc.Packages {
		if p == nil || !spdxPackageWritable(p) {
			return false
		}
	}
	for _, l := range doc.OtherLicenses {
		if l == nil || l.LicenseCrossReferences != nil {
			return false
		}
	}
	for _, r := range doc.Relationships {
		if r == nil || r.RelationshipComment != "" || r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" {
			return false
		}
	}
	return true
}

func spdxPackageWritable(p *spdx.Package) bool {
	rest := *p
	rest.IsUnpackaged, rest.PackageName, rest.PackageSPDXIdentifier, rest.PackageVersion, rest.PackageFileName = false, "", "", "", ""
	rest.PackageSupplier, rest.PackageDownloadLocation, rest.FilesAnalyzed, rest.IsFilesAnalyzedTagPresent = nil, "", false, false
	rest.PackageChecksums, rest.PackageHomePage, rest.PackageSourceInfo, rest.PackageLicenseConcluded = nil, "", "", ""
	rest.PackageLicenseDeclared, rest.PackageCopyrightText, rest.PackageSummary, rest.PackageComment = "", "", "", ""
	rest.PackageExternalReferences, rest.PrimaryPackagePurpose = nil, ""
	if !reflect.ValueOf(rest).IsZero() {
		return false // also catches the unexported file list, which only files set
	}
	if s := p.PackageSupplier; s != nil && s.Supplier != noAssertion && (s.SupplierType == "" || s.Supplier == "") {
		return false
	}
	for _, r := range p.PackageExternalReferences {
		if r == nil {
			return false
		}
	}
	return true
}

// writeSPDXJSON writes doc as tools-golang's json.Write would, for the
// fields spdxWritable accepts.
func writeSPDXJSON(j *jsonWriter, doc *spdx.Document) error {
	j.beginObject()
	j.field("spdxVersion", doc.SPDXVersion)
	j.field("dataLicense", doc.DataLicense)
	writeSPDXID(j, "SPDXID", doc.SPDXIdentifier)
	j.field("name", doc.DocumentName)
	if strings.HasPrefix(doc.DocumentNamespace, namespaceBase) && strings.HasSuffix(doc.DocumentNamespace, "-"+strings.Repeat("0", 32)) {
		j.hole("documentNamespace", doc.DocumentNamespace)
	} else {
		j.field("documentNamespace", doc.DocumentNamespace)
	}
	j.key("creationInfo")
	if err := writeSPDXCreationInfo(j, doc.CreationInfo); err != nil {
		return err
	}
	writeSPDXList(j, "packages", doc.Packages, writeSPDXPackage)
	writeSPDXList(j, "hasExtractedLicensingInfos", doc.OtherLicenses, writeSPDXOtherLicense)
	if err := writeSPDXRelationships(j, doc.Relationships); err != nil {
		return err
	}
	j.endObject()
	return j.end()
}

// writeSPDXList writes the member k, tagged omitempty, one item at a time.
func writeSPDXList[T any](j *jsonWriter, k string, l []T, item func(*jsonWriter, T)) {
	if len(l) == 0 {
		return
	}
	j.key(k)
	j.beginArray()
	for _, v := range l {
		j.member()
		item(j, v)
	}
	j.endArray()
}

func writeSPDXCreationInfo(j *jsonWriter, ci *spdx.CreationInfo) error {
	j.beginObject()
	j.key("creators")
	if ci.Creators == nil {
		j.null()
	} else {
		j.beginArray()
		for _, c := range ci.Creators {
			if c.Creator == "" {
				return fmt.Errorf("SPDX creator %+v has no name", c)
			}
			j.elem(c.CreatorType + ": " + c.Creator)
		}
		j.endArray()
	}
	j.field("created", ci.Created)
	j.endObject()
	return nil
}

func writeSPDXOtherLicense(j *jsonWriter, l *spdx.OtherLicense) {
	j.beginObject()
	j.field("licenseId", l.LicenseIdentifier)
	j.field("extractedText", l.ExtractedText)
	j.fieldOmit("name", l.LicenseName)
	j.fieldOmit("comment", l.LicenseComment)
	j.endObject()
}

func writeSPDXRelationships(j *jsonWriter, rs []*spdx.Relationship) error {
	if len(rs) == 0 {
		return nil
	}
	j.key("relationships")
	j.beginArray()
	for _, r := range rs {
		j.member()
		if err := writeSPDXRelationship(j, r); err != nil {
			return err
		}
	}
	j.endArray()
	return nil
}

func writeSPDXRelationship(j *jsonWriter, r *spdx.Relationship) error {
	j.beginObject()
	if err := writeSPDXRef(j, "spdxElementId", r.RefA); err != nil {
		return err
	}
	if err := writeSPDXRef(j, "relatedSpdxElement", r.RefB); err != nil {
		return err
	}
	j.field("relationshipType", r.Relationship)
	j.endObject()
	return nil
}

func writeSPDXPackage(j *jsonWriter, p *spdx.Package) {
	j.beginObject()
	j.field("name", p.PackageName)
	writeSPDXID(j, "SPDXID", p.PackageSPDXIdentifier)
	j.fieldOmit("versionInfo", p.PackageVersion)
	j.fieldOmit("packageFileName", p.PackageFileName)
	if s := p.PackageSupplier; s != nil {
		if s.Supplier == noAssertion {
			j.field("supplier", s.Supplier)
		} else {
			j.field("supplier", s.SupplierType+": "+s.Supplier)
		}
	}
	j.field("downloadLocation", p.PackageDownloadLocation)
	j.boolField("filesAnalyzed", p.FilesAnalyzed)
	writeSPDXList(j, "checksums", p.PackageChecksums, writeSPDXChecksum)
	j.fieldOmit("homepage", p.PackageHomePage)
	j.fieldOmit("sourceInfo", p.PackageSourceInfo)
	j.fieldOmit("licenseConcluded", p.PackageLicenseConcluded)
	j.fieldOmit("licenseDeclared", p.PackageLicenseDeclared)
	j.fieldOmit("copyrightText", p.PackageCopyrightText)
	j.fieldOmit("summary", p.PackageSummary)
	j.fieldOmit("comment", p.PackageComment)
	writeSPDXList(j, "externalRefs", p.PackageExternalReferences, writeSPDXExternalRef)
	j.fieldOmit("primaryPackagePurpose", p.PrimaryPackagePurpose)
	j.endObject()
}

func writeSPDXChecksum(j *jsonWriter, c common.Checksum) {
	j.beginObject()
	j.field("algorithm", string(c.Algorithm))
	j.field("checksumValue", c.Value)
	j.endObject()
}

func writeSPDXExternalRef(j *jsonWriter, r *spdx.PackageExternalReference) {
	j.beginObject()
	j.field("referenceCategory", strings.ReplaceAll(r.Category, "_", "-"))
	j.field("referenceType", r.RefType)
	j.field("referenceLocator", r.Locator)
	j.fieldOmit("comment", r.ExternalRefComment)
	j.endObject()
}

const spdxRefPrefix = "SPDXRef-"

// writeSPDXID follows common.ElementID.MarshalJSON: the prefix is added
// unless already there.
func writeSPDXID(j *jsonWriter, k string, id common.ElementID) {
	if s := string(id); !strings.HasPrefix(s, spdxRefPrefix) {
		j.fieldPrefixed(k, spdxRefPrefix, s)
		return
	}
	j.field(k, string(id))
}

// writeSPDXRef follows common.DocElementID.MarshalJSON for references
// inside the document.
func writeSPDXRef(j *jsonWriter, k string, d common.DocElementID) error {
	switch {
	case d.ElementRefID != "":
		writeSPDXID(j, k, d.ElementRefID)
	case d.SpecialID != "":
		j.field(k, d.SpecialID)
	default:
		return fmt.Errorf("SPDX relationship with an empty element id")
	}
	return nil
}
