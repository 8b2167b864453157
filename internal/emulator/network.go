package emulator

import (
	"hash/fnv"
	"net/http"
	"net/netip"
	"strings"
)

// vpcEndpoint is the endpoint created for one subnet. The emulator has no
// VPC: the address is a stable private address derived from the subnet ID,
// for display only; nothing connects to it.
type vpcEndpoint struct {
	ID      string
	Address string
}

type vpcEndpointRequest struct {
	VpcID    string `json:"vpc_id"`
	SubnetID string `json:"subnet_id"`
	Flavor   string `json:"flavor"`
	Xrole    string `json:"xrole"`
}

// createVpcEndpoint is idempotent per subnet: asking again answers the
// endpoint already there.
func createVpcEndpoint(c *call) (int, any, *apiError) {
	var req vpcEndpointRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(req.VpcID) == "" || strings.TrimSpace(req.SubnetID) == "" {
		return 0, nil, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: vpc_id and subnet_id are required")
	}
	key := req.VpcID + "/" + req.SubnetID
	var ep *vpcEndpoint
	s := c.e.store
	s.write(func() {
		p := &s.project
		if ep = p.vpcEndpoints[key]; ep == nil {
			if p.vpcEndpoints == nil {
				p.vpcEndpoints = map[string]*vpcEndpoint{}
			}
			ep = &vpcEndpoint{ID: newID(), Address: subnetAddress(req.SubnetID)}
			p.vpcEndpoints[key] = ep
		}
	})
	return http.StatusOK, map[string]any{"endpoints": []string{ep.ID}, "address": ep.Address}, nil
}

func deleteVpcEndpoint(c *call) (int, any, *apiError) {
	key := c.param("vpc_id") + "/" + c.param("subnet_id")
	var found bool
	s := c.e.store
	s.write(func() { found = removeKey(s.project.vpcEndpoints, key) })
	if !found {
		return 0, nil, newError(http.StatusNotFound, codeNotFound, "No VPC endpoint exists for VPC %s subnet %s", c.param("vpc_id"), c.param("subnet_id"))
	}
	return http.StatusOK, nil, nil // the lowest documented success status
}

// subnetAddress maps a subnet ID onto 192.168.0.0/16 (never .0 or .255).
func subnetAddress(subnetID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(subnetID))
	v := h.Sum32()
	return netip.AddrFrom4([4]byte{192, 168, byte(v >> 8), byte(v%254) + 1}).String()
}

// bridgeVersions is the service-bridge catalogue, by bridge type.
var bridgeVersions = map[string][]map[string]string{
	"DUBBO": {
		{"name": "dubbo-bridge", "version": "1.0.0", "code_url": "https://fgh-emulator.invalid/servicebridge/dubbo-bridge-1.0.0.zip"},
		{"name": "dubbo-bridge", "version": "1.1.0", "code_url": "https://fgh-emulator.invalid/servicebridge/dubbo-bridge-1.1.0.zip"},
	},
}

// listBridgeVersions answers the versions of the type (case-insensitive);
// a type the catalogue does not know has none.
func listBridgeVersions(c *call) (int, any, *apiError) {
	versions := bridgeVersions[strings.ToUpper(c.query("type"))]
	if versions == nil {
		versions = []map[string]string{}
	}
	return http.StatusOK, versions, nil
}

// listBridgeFunctions answers the bridge functions bound to the function.
// Emulated functions cannot be bound to a bridge, so the list is empty; an
// unknown function is 404.
func listBridgeFunctions(c *call) (int, any, *apiError) {
	_, err := readFunction(c, func(*function) (struct{}, *apiError) { return struct{}{}, nil })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, []*functionConfig{}, nil
}
