//! The smallest complete provider family, written the way a new provider is added: its spec
//! (`widgets.yaml`), its state, its handlers bound by operationId, one state rule (only a pending
//! order ships), one control route, one callback through the shared delivery service, and its
//! own error shape for every refusal, the pipeline's included. The test adds it with one line,
//! `Plugins::registry().with(&PLUGIN)`, as the registry would.
#![allow(dead_code)]

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use finsandbox::sandbox::App;
use finsandbox::sandbox::callbacks::Delivery;
use finsandbox::sandbox::control;
use finsandbox::sandbox::family::{
    self, Call, ErrorContext, Family, Handler, Init, Plugin, Problem, ProblemKind, Reply,
};
use finsandbox::sandbox::http::{self, HttpResponse, Req};
use finsandbox::spec::ApiSpec;
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

pub const NAME: &str = "widgets";

pub struct WidgetsPlugin;

pub static PLUGIN: WidgetsPlugin = WidgetsPlugin;

impl Plugin for WidgetsPlugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn title(&self) -> &'static str {
        "Widgets (an example family)"
    }

    fn mount(&self) -> &'static str {
        "/widgets"
    }

    fn build(&self, _init: &Init<'_>) -> anyhow::Result<Arc<dyn Family>> {
        Ok(Arc::new(Widgets::default()))
    }
}

#[derive(Debug, Clone)]
struct Order {
    id: String,
    item: String,
    quantity: i64,
    shipped: bool,
    callback: Option<String>,
}

impl Order {
    fn body(&self) -> Value {
        json!({
            "id": self.id,
            "item": self.item,
            "quantity": self.quantity,
            "status": if self.shipped { "SHIPPED" } else { "PENDING" },
        })
    }
}

#[derive(Default)]
pub struct Widgets {
    orders: Mutex<HashMap<String, Order>>,
}

fn refuse(status: StatusCode, code: &str, message: impl Into<String>) -> Problem {
    Problem::new(status, message).code(code)
}

fn order_id(call: &Call<'_>) -> String {
    call.req.param("orderId").unwrap_or_default().to_string()
}

fn create(w: &Widgets, call: &Call<'_>) -> Reply {
    let body = call.json()?;
    let order = Order {
        id: uuid::Uuid::new_v4().to_string(),
        item: body["item"].as_str().unwrap_or_default().to_string(),
        quantity: body["quantity"].as_i64().unwrap_or_default(),
        shipped: false,
        callback: body["callbackUrl"].as_str().map(str::to_string),
    };
    let answer = order.body();
    w.orders
        .lock()
        .map_err(|_| Problem::internal("state unavailable"))?
        .insert(order.id.clone(), order);
    Ok(http::json_response(
        StatusCode::CREATED,
        "application/json",
        &answer,
    ))
}

fn read(w: &Widgets, call: &Call<'_>) -> Reply {
    let id = order_id(call);
    let orders = w
        .orders
        .lock()
        .map_err(|_| Problem::internal("state unavailable"))?;
    let order = orders
        .get(&id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "NOT_FOUND", format!("no order {id}")))?;
    Ok(http::json_response(
        StatusCode::OK,
        "application/json",
        &order.body(),
    ))
}

/// The state rule: only a pending order ships, once; shipping announces it to the callback URL.
fn ship(w: &Widgets, call: &Call<'_>) -> Reply {
    let id = order_id(call);
    let shipped = {
        let mut orders = w
            .orders
            .lock()
            .map_err(|_| Problem::internal("state unavailable"))?;
        let order = orders
            .get_mut(&id)
            .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "NOT_FOUND", format!("no order {id}")))?;
        if order.shipped {
            return Err(refuse(
                StatusCode::CONFLICT,
                "ALREADY_SHIPPED",
                format!("order {id} has shipped already"),
            ));
        }
        order.shipped = true;
        order.clone()
    };
    if let Some(url) = &shipped.callback {
        let mut labels = serde_json::Map::new();
        labels.insert("orderId".into(), json!(shipped.id));
        call.app.callbacks.enqueue(
            &call.app.clock,
            Delivery {
                id: String::new(),
                family: NAME,
                url: url.clone(),
                method: Method::POST,
                headers: vec![("x-widgets-event".into(), "shipped".into())],
                body: Bytes::from(json!({"orderId": shipped.id, "status": "SHIPPED"}).to_string()),
                signer: None,
                retries: vec![Duration::from_millis(100); 2],
                timeout: Duration::from_secs(2),
                labels,
            },
        );
    }
    Ok(http::json_response(
        StatusCode::OK,
        "application/json",
        &shipped.body(),
    ))
}

impl Family for Widgets {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handlers(self: Arc<Self>, _spec: &ApiSpec) -> Vec<(&'static str, Handler)> {
        family::table(
            &self,
            &[
                ("createOrder", create),
                ("getOrder", read),
                ("shipOrder", ship),
            ],
        )
    }

    /// Every refusal, the pipeline's too, in the provider's own shape.
    fn render(&self, _ctx: &ErrorContext<'_>, problem: &Problem) -> HttpResponse {
        let code = problem.code.clone().unwrap_or_else(|| match &problem.kind {
            ProblemKind::InvalidBody
            | ProblemKind::MalformedBody { .. }
            | ProblemKind::EmptyBody => "INVALID_BODY".into(),
            ProblemKind::InvalidParameter(_) | ProblemKind::MissingParameter(_) => {
                "INVALID_PARAMETER".into()
            }
            _ => "REFUSED".into(),
        });
        http::json_response(
            problem.status,
            "application/json",
            &json!({"error": {"code": code, "message": problem.message}}),
        )
    }

    /// `GET /sandbox/widgets/orders`: what a back office would look at.
    fn control(&self, _app: &App, req: &Req, rest: &[&str]) -> Option<HttpResponse> {
        match (&req.method, rest) {
            (&Method::GET, ["orders"]) => {
                let orders = self.orders.lock().ok()?;
                let mut list: Vec<Value> = orders.values().map(Order::body).collect();
                list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                Some(control::ok(json!({"orders": list})))
            }
            _ => None,
        }
    }

    fn control_index(&self) -> Vec<String> {
        vec!["GET  /sandbox/widgets/orders".into()]
    }

    fn reset(&self) {
        if let Ok(mut o) = self.orders.lock() {
            o.clear();
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
