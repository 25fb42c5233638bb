package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/partnerhub/partnerhub/partners"
)

func (s *Server) apiKeys(c *fiber.Ctx) error {
	if err := onePage(c); err != nil {
		return err
	}
	createdBy, err := queryInt(c, "created_by")
	if err != nil {
		return err
	}
	keys, err := s.partners.APIKeys(c.UserContext(), *actorOf(c), createdBy)
	if err != nil {
		return err
	}
	if keys == nil {
		keys = []partners.APIKey{}
	}
	return c.JSON(page{Data: keys})
}

func (s *Server) apiKeyCreate(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	k, secret, err := s.partners.CreateAPIKey(c.UserContext(), *actorOf(c), in.Name, in.Role)
	if err != nil {
		return err
	}
	// A replay of this request answers with the key, not its secret.
	if b, err := jsonMarshal(fiber.Map{"api_key": k}); err == nil {
		c.Locals(replayBodyKey, b)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"api_key": k, "secret": secret})
}

func (s *Server) apiKeyRevoke(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.partners.RevokeAPIKey(c.UserContext(), *actorOf(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiKeyAPI is the api-keys part of the API route table.
func (s *Server) apiKeyAPI() []route {
	return []route{
		{Method: "GET", Path: "/api-keys", Role: partners.Admin, Summary: "List your organization's API keys (created_by: those a user made)", Tag: "api-keys", Reply: "APIKey", List: true, Query: []string{"created_by"}, handler: s.apiKeys},
		{Method: "POST", Path: "/api-keys", Role: partners.Admin, Summary: "Create an API key; the secret is shown once", Tag: "api-keys", Request: "APIKeyInput", Reply: "APIKeyCreated", Status: 201, handler: s.apiKeyCreate},
		{Method: "DELETE", Path: "/api-keys/:id", Role: partners.Admin, Summary: "Revoke an API key", Tag: "api-keys", Status: 204, handler: s.apiKeyRevoke},
	}
}
