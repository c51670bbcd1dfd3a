// A compact SOAP 1.2 envelope schema written for validating built responses (SOAP 1.2 Part 1,
// §5 and §5.4 Fault). The reference set lacks one: OSCI2_02.xsd imports the soap-envelope
// namespace from schemaLocation=".xsd", a dangling path. Header and Body children are `lax`, so
// every XTA/OSCI/WS-Addressing element with a global declaration is validated strictly inside.
/** SOAP 1.2 envelope schema text (namespace `http://www.w3.org/2003/05/soap-envelope`). */
export const SOAP12_ENVELOPE_XSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://www.w3.org/2003/05/soap-envelope"
  targetNamespace="http://www.w3.org/2003/05/soap-envelope" elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="xml.xsd"/>
  <xs:element name="Envelope">
    <xs:complexType>
      <xs:sequence>
        <xs:element ref="tns:Header" minOccurs="0"/>
        <xs:element ref="tns:Body"/>
      </xs:sequence>
      <xs:anyAttribute namespace="##other" processContents="lax"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="Header">
    <xs:complexType>
      <xs:sequence><xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:anyAttribute namespace="##other" processContents="lax"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="NotUnderstood">
    <xs:complexType><xs:attribute name="qname" type="xs:QName" use="required"/></xs:complexType>
  </xs:element>
  <xs:element name="Upgrade">
    <xs:complexType>
      <xs:sequence><xs:element name="SupportedEnvelope" maxOccurs="unbounded">
        <xs:complexType><xs:attribute name="qname" type="xs:QName" use="required"/></xs:complexType>
      </xs:element></xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:element name="Body">
    <xs:complexType>
      <xs:sequence><xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:anyAttribute namespace="##other" processContents="lax"/>
    </xs:complexType>
  </xs:element>
  <xs:attribute name="mustUnderstand" type="xs:boolean"/>
  <xs:attribute name="relay" type="xs:boolean"/>
  <xs:attribute name="role" type="xs:anyURI"/>
  <xs:attribute name="encodingStyle" type="xs:anyURI"/>
  <xs:element name="Fault">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Code" type="tns:faultcode"/>
        <xs:element name="Reason" type="tns:faultreason"/>
        <xs:element name="Node" type="xs:anyURI" minOccurs="0"/>
        <xs:element name="Role" type="xs:anyURI" minOccurs="0"/>
        <xs:element name="Detail" type="tns:detail" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="faultreason">
    <xs:sequence><xs:element name="Text" type="tns:reasontext" maxOccurs="unbounded"/></xs:sequence>
  </xs:complexType>
  <xs:complexType name="reasontext">
    <xs:simpleContent>
      <xs:extension base="xs:string"><xs:attribute ref="xml:lang" use="required"/></xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:complexType name="faultcode">
    <xs:sequence>
      <xs:element name="Value" type="tns:faultcodeEnum"/>
      <xs:element name="Subcode" type="tns:subcode" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>
  <xs:simpleType name="faultcodeEnum">
    <xs:restriction base="xs:QName">
      <xs:enumeration value="tns:DataEncodingUnknown"/>
      <xs:enumeration value="tns:MustUnderstand"/>
      <xs:enumeration value="tns:Receiver"/>
      <xs:enumeration value="tns:Sender"/>
      <xs:enumeration value="tns:VersionMismatch"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:complexType name="subcode">
    <xs:sequence>
      <xs:element name="Value" type="xs:QName"/>
      <xs:element name="Subcode" type="tns:subcode" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>
  <xs:complexType name="detail">
    <xs:sequence><xs:any namespace="##any" processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:complexType>
</xs:schema>
`;

/** Entry schema in the XTA namespace, as the WSDL's `types` section plus SOAP 1.2 (imported first so OSCI2_02's dangling import is skipped). */
export const XTA_ENTRY_XSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://xoev.de/transport/xta/211" elementFormDefault="qualified">
  <xs:import namespace="http://www.w3.org/2003/05/soap-envelope" schemaLocation="soap12-envelope.xsd"/>
  <xs:import namespace="http://www.osci.eu/ws/2014/10/transport" schemaLocation="OSCI_MessageMetaData_V2.02.xsd"/>
  <xs:import namespace="http://www.osci.eu/ws/2008/05/transport" schemaLocation="OSCI2_02.xsd"/>
  <xs:include schemaLocation="XTA-Webservice-Globale-Elemente.xsd"/>
  <xs:include schemaLocation="XTA-Webservice-Exceptions.xsd"/>
</xs:schema>
`;
