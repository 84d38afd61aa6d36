package plesktest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// This file parses request packets and renders response packets, both with
// encoding/xml.

// call is one operation of a request packet, such as webspace get.
type call struct {
	operator, operation string
	req                 any // one of the *...Req types below, or nil when unsupported
}

// function names a call the way Calls and Requests take it.
func (c call) function() string { return c.operator + "." + c.operation }

// request is a parsed <packet>: its operators, each with its operations,
// in document order.
type request struct {
	version   string
	operators []operatorCalls
}

type operatorCalls struct {
	name  string
	calls []call
}

// parseError is a packet the XML-API would reject as a whole (errcode
// 1014).
type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }

// parsePacket reads a request packet. Unknown operators and operations are
// kept with a nil req, so that their calls are counted and answered with
// an error.
func parsePacket(body []byte) (*request, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var root *xml.StartElement
	for root == nil {
		tok, err := dec.Token()
		if err != nil {
			return nil, &parseError{"Parser error: Document is empty or not well-formed"}
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = &se
		}
	}
	if root.Name.Local != "packet" {
		return nil, &parseError{fmt.Sprintf("Parser error: Element '%s': No matching global declaration available for the validation root", root.Name.Local)}
	}
	req := &request{}
	for _, a := range root.Attr {
		if a.Name.Local == "version" {
			req.version = a.Value
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, &parseError{"Parser error: Premature end of data in tag packet"}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			oc, err := parseOperator(dec, t)
			if err != nil {
				return nil, err
			}
			req.operators = append(req.operators, oc)
		case xml.EndElement:
			// </packet>: anything after it is not our business.
			return req, nil
		}
	}
}

func parseOperator(dec *xml.Decoder, start xml.StartElement) (operatorCalls, error) {
	oc := operatorCalls{name: start.Name.Local}
	for {
		tok, err := dec.Token()
		if err != nil {
			return oc, &parseError{"Parser error: Premature end of data in tag " + oc.name}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			c := call{operator: oc.name, operation: t.Name.Local}
			target := newReq(oc.name, t.Name.Local)
			if target == nil {
				if err := dec.Skip(); err != nil {
					return oc, &parseError{"Parser error: " + err.Error()}
				}
			} else {
				if err := dec.DecodeElement(target, &t); err != nil {
					return oc, &parseError{fmt.Sprintf("Parser error: Request is invalid. Element '%s': %v", t.Name.Local, err)}
				}
				c.req = target
			}
			oc.calls = append(oc.calls, c)
		case xml.EndElement:
			return oc, nil
		}
	}
}

func newReq(operator, operation string) any {
	switch operator + "." + operation {
	case "webspace.get":
		return &webspaceGetReq{}
	case "webspace.add":
		return &webspaceAddReq{}
	case "webspace.del":
		return &webspaceDelReq{}
	case "webspace.set":
		return &webspaceSetReq{}
	case "customer.get":
		return &customerGetReq{}
	case "customer.add":
		return &customerAddReq{}
	case "reseller.get":
		return &resellerGetReq{}
	case "service-plan.get":
		return &servicePlanGetReq{}
	}
	return nil
}

// present is an element that may be empty: set when the element appears.
type present bool

func (p *present) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	*p = true
	return d.Skip()
}

// Request shapes.

type webspaceFilter struct {
	ID         []string `xml:"id"`
	Name       []string `xml:"name"`
	GUID       []string `xml:"guid"`
	OwnerID    []string `xml:"owner-id"`
	OwnerLogin []string `xml:"owner-login"`
}

type webspaceGetReq struct {
	Filter  *webspaceFilter `xml:"filter"`
	Dataset *struct {
		GenInfo       present `xml:"gen_info"`
		Hosting       present `xml:"hosting"`
		Subscriptions present `xml:"subscriptions"`
	} `xml:"dataset"`
}

type propertyXML struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

type vrtHstXML struct {
	Property  []propertyXML `xml:"property"`
	IPAddress []string      `xml:"ip_address"`
}

type webspaceAddReq struct {
	GenSetup *struct {
		Name       string   `xml:"name"`
		OwnerID    string   `xml:"owner-id"`
		OwnerLogin string   `xml:"owner-login"`
		HType      string   `xml:"htype"`
		IPAddress  []string `xml:"ip_address"`
		Status     string   `xml:"status"`
	} `xml:"gen_setup"`
	Hosting *struct {
		VrtHst *vrtHstXML `xml:"vrt_hst"`
	} `xml:"hosting"`
	PlanID   string `xml:"plan-id"`
	PlanName string `xml:"plan-name"`
	PlanGUID string `xml:"plan-guid"`
}

type webspaceDelReq struct {
	Filter *webspaceFilter `xml:"filter"`
}

type webspaceSetReq struct {
	Filter *webspaceFilter `xml:"filter"`
	Values *struct {
		GenSetup *struct {
			Status *string `xml:"status"`
		} `xml:"gen_setup"`
		Hosting *struct {
			VrtHst *vrtHstXML `xml:"vrt_hst"`
		} `xml:"hosting"`
	} `xml:"values"`
}

type clientFilter struct {
	ID    []string `xml:"id"`
	Login []string `xml:"login"`
	GUID  []string `xml:"guid"`
	All   present  `xml:"all"`
}

type customerGetReq struct {
	Filter  *clientFilter `xml:"filter"`
	Dataset *struct {
		GenInfo present `xml:"gen_info"`
	} `xml:"dataset"`
}

type customerAddReq struct {
	GenInfo *struct {
		CName  string `xml:"cname"`
		PName  string `xml:"pname"`
		Login  string `xml:"login"`
		Passwd string `xml:"passwd"`
		Status string `xml:"status"`
		Email  string `xml:"email"`
	} `xml:"gen_info"`
}

type resellerGetReq struct {
	Filter  *clientFilter `xml:"filter"`
	Dataset *struct {
		GenInfo present `xml:"gen-info"`
	} `xml:"dataset"`
}

type servicePlanGetReq struct {
	Filter *struct {
		ID   []string `xml:"id"`
		Name []string `xml:"name"`
		GUID []string `xml:"guid"`
	} `xml:"filter"`
	OwnerID    string  `xml:"owner-id"`
	OwnerLogin string  `xml:"owner-login"`
	OwnerAll   present `xml:"owner-all"`
}

// Response shapes.

type statusXML struct {
	Status  string `xml:"status"`
	ErrCode int    `xml:"errcode,omitempty"`
	ErrText string `xml:"errtext,omitempty"`
}

func ok() statusXML { return statusXML{Status: "ok"} }

func fail(code int, text string) statusXML {
	return statusXML{Status: "error", ErrCode: code, ErrText: text}
}

type plainResult struct {
	XMLName xml.Name `xml:"result"`
	statusXML
	FilterID string `xml:"filter-id,omitempty"`
	ID       int    `xml:"id,omitempty"`
	GUID     string `xml:"guid,omitempty"`
}

type webspaceResult struct {
	XMLName xml.Name `xml:"result"`
	statusXML
	FilterID string        `xml:"filter-id,omitempty"`
	ID       int           `xml:"id,omitempty"`
	Data     *webspaceData `xml:"data,omitempty"`
}

type webspaceData struct {
	GenInfo       *genInfoXML       `xml:"gen_info,omitempty"`
	Hosting       *hostingXML       `xml:"hosting,omitempty"`
	Subscriptions *subscriptionsXML `xml:"subscriptions,omitempty"`
}

type genInfoXML struct {
	CrDate       string   `xml:"cr_date"`
	Name         string   `xml:"name"`
	ASCIIName    string   `xml:"ascii-name"`
	Status       int      `xml:"status"`
	RealSize     int64    `xml:"real_size"`
	OwnerID      int      `xml:"owner-id"`
	OwnerLogin   string   `xml:"owner-login"`
	DNSIPAddress []string `xml:"dns_ip_address"`
	HType        string   `xml:"htype"`
	GUID         string   `xml:"guid"`
	WebspaceGUID string   `xml:"webspace-guid"`
	ExternalID   string   `xml:"external-id"`
	Description  string   `xml:"description"`
}

type hostingXML struct {
	VrtHst *vrtHstXML  `xml:"vrt_hst,omitempty"`
	StdFwd *forwardXML `xml:"std_fwd,omitempty"`
	FrmFwd *forwardXML `xml:"frm_fwd,omitempty"`
	None   *struct{}   `xml:"none,omitempty"`
}

type forwardXML struct {
	DestURL   string `xml:"dest_url"`
	IPAddress string `xml:"ip_address"`
}

type subscriptionsXML struct {
	Subscription []subscriptionXML `xml:"subscription"`
}

type subscriptionXML struct {
	Locked       bool      `xml:"locked"`
	Synchronized bool      `xml:"synchronized"`
	Plan         []planRef `xml:"plan"`
}

type planRef struct {
	PlanGUID string `xml:"plan-guid"`
}

type customerResult struct {
	XMLName xml.Name `xml:"result"`
	statusXML
	FilterID string `xml:"filter-id,omitempty"`
	ID       int    `xml:"id,omitempty"`
	Data     *struct {
		GenInfo *clientInfoXML `xml:"gen_info"`
	} `xml:"data,omitempty"`
}

type resellerResult struct {
	XMLName xml.Name `xml:"result"`
	statusXML
	FilterID string `xml:"filter-id,omitempty"`
	ID       int    `xml:"id,omitempty"`
	Data     *struct {
		GenInfo *clientInfoXML `xml:"gen-info"`
	} `xml:"data,omitempty"`
}

// clientInfoXML is the part of clientGetGenInfo (customers, with cr_date)
// and ResellerGetGenInfo (resellers, with cr-date) the fake keeps.
type clientInfoXML struct {
	CrDate   string `xml:"cr_date,omitempty"`
	CrDateR  string `xml:"cr-date,omitempty"`
	CName    string `xml:"cname"`
	PName    string `xml:"pname"`
	Login    string `xml:"login"`
	Status   int    `xml:"status"`
	Phone    string `xml:"phone"`
	Fax      string `xml:"fax"`
	Email    string `xml:"email"`
	Address  string `xml:"address"`
	City     string `xml:"city"`
	State    string `xml:"state"`
	PCode    string `xml:"pcode"`
	Country  string `xml:"country"`
	Locale   string `xml:"locale"`
	OwnerID  int    `xml:"owner-id,omitempty"`
	GUID     string `xml:"guid"`
	External string `xml:"external-id"`
}

type servicePlanResult struct {
	XMLName xml.Name `xml:"result"`
	statusXML
	FilterID   string    `xml:"filter-id,omitempty"`
	ID         int       `xml:"id,omitempty"`
	GUID       string    `xml:"guid,omitempty"`
	ExternalID *struct{} `xml:"external-id,omitempty"`
	Name       string    `xml:"name,omitempty"`
	OwnerID    int       `xml:"owner-id,omitempty"`
}

// marshalAll appends each value marshalled with encoding/xml.
func marshalAll[T any](w *bytes.Buffer, vs []T) error {
	enc := xml.NewEncoder(w)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return enc.Flush()
}

// systemError renders a packet-level error.
func systemError(version string, code int, text string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<packet version="` + version + `">`)
	enc := xml.NewEncoder(&b)
	_ = enc.Encode(struct {
		XMLName xml.Name `xml:"system"`
		statusXML
	}{statusXML: fail(code, text)})
	b.WriteString("</packet>")
	return b.Bytes()
}

// atoi parses an id; a non-number is a schema violation.
func atoi(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, &parseError{fmt.Sprintf("Parser error: Request is invalid. '%s' is not a valid value of the atomic type 'xs:integer'", s)}
	}
	return n, nil
}

var errNoBody = errors.New("empty body")

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err == nil && len(bytes.TrimSpace(b)) == 0 {
		return b, errNoBody
	}
	return b, err
}
